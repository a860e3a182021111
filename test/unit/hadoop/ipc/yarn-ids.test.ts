import { describe, expect, it } from 'vitest';
import {
  formatApplicationAttemptId,
  formatApplicationId,
  formatContainerId,
  parseContainerId,
} from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';

// Formats from ContainerId/ApplicationAttemptId/ApplicationId.toString in hadoop-yarn-api.
describe('YARN id strings', () => {
  it('parses and formats a container id without an epoch', () => {
    const id = parseContainerId('container_1410901177871_0001_01_000005');
    expect(id).toEqual({
      applicationAttemptId: { applicationId: { clusterTimestamp: 1410901177871n, id: 1 }, attemptId: 1 },
      containerId: 5n,
    });
    expect(formatContainerId(id)).toBe('container_1410901177871_0001_01_000005');
    expect(formatApplicationAttemptId(id.applicationAttemptId)).toBe('appattempt_1410901177871_0001_000001');
    expect(formatApplicationId(id.applicationAttemptId.applicationId)).toBe('application_1410901177871_0001');
  });

  it('keeps the epoch in the top bits of the 64-bit id', () => {
    const id = parseContainerId('container_e17_1410901177871_0001_01_000005');
    expect(id.containerId).toBe(17n * 2n ** 40n + 5n);
    expect(formatContainerId(id)).toBe('container_e17_1410901177871_0001_01_000005');
  });

  it('accepts numbers wider than the minimum padding', () => {
    const id = parseContainerId('container_1410901177871_12345_123_1234567');
    expect(formatContainerId(id)).toBe('container_1410901177871_12345_123_1234567');
    expect(formatApplicationAttemptId(id.applicationAttemptId)).toBe('appattempt_1410901177871_12345_000123');
  });

  it('rejects what is not a container id, saying what it expected', () => {
    for (const bad of [
      '',
      'application_1_0001',
      'container_1_2_3',
      'container_x_1_2_3',
      'container_eX_1_2_3_4',
    ]) {
      expect(() => parseContainerId(bad)).toThrow(/not a YARN container id/);
    }
  });
});
