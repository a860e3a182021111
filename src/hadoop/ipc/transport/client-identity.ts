/**
 * The identity a Hadoop IPC client process presents: one 16-byte client id
 * (the bytes of a random UUID, as ClientId.getClientId makes them) and one
 * call-id counter shared by all its connections, so (clientId, callId) never
 * repeats in the server's retry cache. Call ids wrap from 2^31-1 to 0.
 */
export interface CallIdSource {
  next(): number;
}

export class ClientIdentity implements CallIdSource {
  private counter = 0;

  private constructor(readonly clientId: Uint8Array) {}

  /** `randomBytes` is crypto.randomBytes in production. */
  static create(randomBytes: (n: number) => Uint8Array): ClientIdentity {
    const id = Uint8Array.from(randomBytes(16));
    if (id.length !== 16) throw new Error('randomBytes(16) must return 16 bytes');
    // RFC 4122 version 4 and variant bits, like java.util.UUID.randomUUID.
    id[6] = ((id[6] as number) & 0x0f) | 0x40;
    id[8] = ((id[8] as number) & 0x3f) | 0x80;
    return new ClientIdentity(id);
  }

  next(): number {
    const id = this.counter;
    this.counter = (this.counter + 1) & 0x7fffffff;
    return id;
  }
}
