/**
 * @module A stand-in for `ServerResponse` in the Broker's property tests: it keeps what is written, and reports
 * backpressure while `full`, as a socket with a slow reader would.
 * @internal
 */
import { EventEmitter } from 'node:events';

export class FakeResponse extends EventEmitter {
  text = '';
  status = 0;
  /** While true, write() returns false (backpressure); the text is kept either way. */
  full = false;
  headersSent = false;
  destroyed = false;
  readonly headers = new Map<string, string>();
  writeHead(status: number): this {
    this.status = status;
    this.headersSent = true;
    return this;
  }
  hasHeader(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }
  setHeader(name: string, value: string): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  flushHeaders(): void {}
  write(chunk: Buffer | string): boolean {
    this.text += String(chunk);
    return !this.full;
  }
  end(chunk?: Buffer | string): this {
    if (chunk !== undefined) this.text += String(chunk);
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}
