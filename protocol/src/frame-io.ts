// Byte-level reading and writing for the frame codec (frames.ts): big-endian integers, length-
// prefixed strings. A read past the end throws Truncated, which the decoder turns into a refusal.

export class Truncated extends Error {}
export class Invalid extends Error {}

export class Reader {
  private o = 0;
  constructor(private readonly b: Buffer) {}
  private need(n: number) {
    if (this.o + n > this.b.length) throw new Truncated(`needs ${n} more bytes at ${this.o}`);
  }
  u8() {
    this.need(1);
    return this.b.readUInt8(this.o++);
  }
  u16() {
    this.need(2);
    const v = this.b.readUInt16BE(this.o);
    this.o += 2;
    return v;
  }
  i16() {
    this.need(2);
    const v = this.b.readInt16BE(this.o);
    this.o += 2;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.b.readUInt32BE(this.o);
    this.o += 4;
    return v;
  }
  i32() {
    this.need(4);
    const v = this.b.readInt32BE(this.o);
    this.o += 4;
    return v;
  }
  f64() {
    this.need(8);
    const v = this.b.readDoubleBE(this.o);
    this.o += 8;
    return v;
  }
  bytes(n: number) {
    this.need(n);
    const v = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return v;
  }
  str8() {
    return this.bytes(this.u8()).toString('utf8');
  }
  str16() {
    return this.bytes(this.u16()).toString('utf8');
  }
  rest() {
    return this.bytes(this.b.length - this.o);
  }
  end() {
    if (this.o !== this.b.length) throw new Invalid(`${this.b.length - this.o} trailing bytes`);
  }
}

export class Writer {
  private readonly parts: Buffer[] = [];
  u8(v: number) {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }
  u16(v: number) {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i16(v: number) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v | 0);
    this.parts.push(b);
    return this;
  }
  f64(v: number) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer) {
    this.parts.push(b);
    return this;
  }
  str8(s: string) {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 0xff) throw new RangeError('string longer than 255 bytes');
    return this.u8(b.length).bytes(b);
  }
  str16(s: string) {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 0xffff) throw new RangeError('string longer than 65535 bytes');
    return this.u16(b.length).bytes(b);
  }
  done() {
    return this.parts;
  }
}
