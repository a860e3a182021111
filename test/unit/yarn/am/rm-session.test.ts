import { describe, expect, it } from 'vitest';
import { TsparkError } from '../../../../src/errors.js';
import { silentLogger } from '../../../../src/log.js';
import type {
  AllocateRequest,
  AllocateResponse,
  FinishApplicationMasterRequest,
  RegisterApplicationMasterRequest,
} from '../../../../src/hadoop/ipc/protocols/yarn-records.js';
import type { HadoopToken } from '../../../../src/hadoop/security/token.js';
import { AmRmSession, RegistrationError, type AmRmProtocol } from '../../../../src/yarn/am/rm-session.js';

const token = (n: number): HadoopToken => ({
  identifier: Uint8Array.of(n),
  password: Uint8Array.of(n),
  kind: 'YARN_AM_RM_TOKEN',
  service: '',
});

function response(responseId: number, extra: Partial<AllocateResponse> = {}): AllocateResponse {
  return {
    responseId,
    amCommand: undefined,
    allocatedContainers: [],
    completedContainerStatuses: [],
    limit: undefined,
    updatedNodes: [],
    numClusterNodes: 2,
    preemption: undefined,
    nmTokens: [],
    amRmToken: undefined,
    applicationPriority: undefined,
    containersFromPreviousAttempts: [],
    ...extra,
  };
}

const registration = {
  maximumCapability: { memoryMb: 6144, vcores: 4 },
  applicationAcls: [],
  containersFromPreviousAttempts: [],
  queue: 'default',
  nmTokensFromPreviousAttempts: [],
  schedulerResourceTypes: [] as Array<'MEMORY' | 'CPU'>,
};

class ScriptedRm implements AmRmProtocol {
  registers: RegisterApplicationMasterRequest[] = [];
  allocates: AllocateRequest[] = [];
  finishes: FinishApplicationMasterRequest[] = [];
  registerErrors: Error[] = [];
  allocateErrors: Error[] = [];
  allocateResponses: AllocateResponse[] = [];
  unregisteredAfter = 1;

  async registerApplicationMaster(r: RegisterApplicationMasterRequest) {
    this.registers.push(r);
    const e = this.registerErrors.shift();
    if (e) throw e;
    return registration;
  }
  async allocate(r: AllocateRequest) {
    this.allocates.push(r);
    const e = this.allocateErrors.shift();
    if (e) throw e;
    return this.allocateResponses.shift() ?? response(r.responseId + 1);
  }
  async finishApplicationMaster(r: FinishApplicationMasterRequest) {
    this.finishes.push(r);
    return { isUnregistered: this.finishes.length >= this.unregisteredAfter };
  }
}

function session(endpoints: Array<{ address: string; protocol: AmRmProtocol }>, maxWait = 5000) {
  let now = 0;
  const slept: number[] = [];
  const s = new AmRmSession({
    endpoints,
    token: token(1),
    logger: silentLogger(),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    now: () => now,
    connectMaxWaitMs: maxWait,
    connectRetryIntervalMs: 1000,
  });
  return { s, slept };
}

const refused = () => new TsparkError('IPC_CONNECT', 'connection refused', { retriable: true });
const req = { host: 'nm', rpcPort: -1, trackingUrl: 'http://nm:1/' };

describe('AmRmSession', () => {
  it('echoes the last response id, from 0 after registration', async () => {
    const rm = new ScriptedRm();
    rm.allocateResponses = [response(1), response(2), response(3)];
    const { s } = session([{ address: 'rm:8030', protocol: rm }]);
    await s.register(req);
    for (let i = 0; i < 3; i++) await s.allocate({ progress: 0.1 });
    expect(rm.allocates.map((a) => a.responseId)).toEqual([0, 1, 2]);
    await s.reRegister();
    await s.allocate({ progress: 0.1 });
    expect(rm.allocates.at(-1)!.responseId).toBe(0);
  });

  it('repeats an allocate lost with the connection with the same id and content', async () => {
    const rm = new ScriptedRm();
    rm.allocateErrors = [refused()];
    const { s } = session([{ address: 'rm:8030', protocol: rm }]);
    await s.register(req);
    const ask = [
      { priority: 1, resourceName: '*', capability: { memoryMb: 512, vcores: 1 }, numContainers: 2 },
    ];
    await s.allocate({ progress: 0.2, ask });
    expect(rm.allocates).toHaveLength(2);
    expect(rm.allocates[1]).toEqual(rm.allocates[0]);
  });

  it('keeps a rolled AMRMToken for the next connection', async () => {
    const rm = new ScriptedRm();
    rm.allocateResponses = [response(1, { amRmToken: token(2) })];
    const { s } = session([{ address: 'rm:8030', protocol: rm }]);
    await s.register(req);
    expect(s.amRmToken.identifier).toEqual(Uint8Array.of(1));
    await s.allocate({ progress: 0 });
    expect(s.amRmToken.identifier).toEqual(Uint8Array.of(2));
  });

  it('tries each RM until one registers, within the deadline', async () => {
    const down = new ScriptedRm();
    down.registerErrors = [refused(), refused()];
    const up = new ScriptedRm();
    up.registerErrors = [refused()];
    const { s, slept } = session([
      { address: 'rm1:8030', protocol: down },
      { address: 'rm2:8030', protocol: up },
    ]);
    await s.register(req);
    expect(s.address).toBe('rm2:8030');
    expect(down.registers).toHaveLength(2);
    expect(up.registers).toHaveLength(2);
    expect(slept).toEqual([1000]);
  });

  it('gives up on an unreachable RM with a message naming the address and the key to check', async () => {
    const rm = new ScriptedRm();
    rm.registerErrors = Array.from({ length: 100 }, refused);
    const { s, slept } = session([{ address: '127.0.0.1:1', protocol: rm }], 3000);
    const e = (await s.register(req).catch((x: unknown) => x)) as RegistrationError;
    expect(e).toBeInstanceOf(RegistrationError);
    expect(e.message).toContain('cannot reach the ResourceManager scheduler at 127.0.0.1:1');
    expect(e.message).toContain('yarn.resourcemanager.scheduler.address');
    // 3 s deadline, 1 s apart: attempts at 0, 1, 2, 3 s.
    expect(rm.registers).toHaveLength(4);
    expect(slept).toEqual([1000, 1000, 1000]);
  });

  it('does not retry a rejected token', async () => {
    const rm = new ScriptedRm();
    rm.registerErrors = [
      new TsparkError('IPC_SASL_REJECTED', 'SaslException: DIGEST-MD5: digest response format violation'),
    ];
    const { s } = session([{ address: 'rm:8030', protocol: rm }]);
    const e = (await s.register(req).catch((x: unknown) => x)) as RegistrationError;
    expect(e.message).toMatch(/refused the ApplicationMaster's registration: SaslException/);
    expect(rm.registers).toHaveLength(1);
  });

  it('repeats finishApplicationMaster until the RM has saved the final state', async () => {
    const rm = new ScriptedRm();
    rm.unregisteredAfter = 3;
    const { s, slept } = session([{ address: 'rm:8030', protocol: rm }]);
    await s.register(req);
    await s.unregister('FAILED', 'because', 'http://nm:1/');
    expect(rm.finishes).toHaveLength(3);
    expect(rm.finishes[0]).toEqual({
      finalStatus: 'FAILED',
      diagnostics: 'because',
      trackingUrl: 'http://nm:1/',
    });
    expect(slept).toEqual([100, 100]);
  });
});
