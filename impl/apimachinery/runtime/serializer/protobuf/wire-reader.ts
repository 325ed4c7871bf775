/**
 * WireReader reads the protobuf wire format (varints, fixed-width numbers, length-delimited
 * fields) from a byte range, throwing {@link ProtobufDecodeError} on anything truncated or invalid.
 *
 * upstream: the generated gogo `Unmarshal` methods in k8s.io/api (`generated.pb.go`), which fail
 * with `io.ErrUnexpectedEOF`, `ErrInvalidLengthGenerated` and `ErrIntOverflowGenerated`.
 */

/** WireType is the low three bits of a field tag. */
export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

/** ProtobufDecodeError is a malformed-input error; the HTTP layer turns it into 400 BadRequest. */
export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

/** WireReader walks one message's bytes, `[pos, end)` of `buf`. */
export class WireReader {
  pos: number;
  readonly end: number;
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** done tells whether the range is consumed. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /** tag reads a field tag: field number and wire type. */
  tag(): { field: number; wireType: number } {
    const t = this.uint53();
    const field = Math.floor(t / 8);
    if (field <= 0 || field > 536870911) throw new ProtobufDecodeError(`illegal tag ${t} (field number ${field})`);
    return { field, wireType: t % 8 };
  }

  /**
   * uint53 reads a varint that must fit in a JS safe integer (tags, lengths, and the fast path of
   * numeric fields); larger values go through {@link varint64}.
   */
  uint53(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('unexpected EOF');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ProtobufDecodeError('integer overflow');
  }

  /** varint64 reads a full 64-bit varint as an unsigned bigint (up to 10 bytes). */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('unexpected EOF');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufDecodeError('integer overflow');
  }

  /**
   * varintNumber reads a varint as a number, or undefined (position unchanged) when it is longer than
   * 7 bytes and needs {@link varint64} (negative int32/int64 values are always 10 bytes).
   */
  varintNumber(): number | undefined {
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('unexpected EOF');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    this.pos = start;
    return undefined;
  }

  /** fixed32 reads 4 little-endian bytes as an unsigned number. */
  fixed32(): number {
    const p = this.advance(4);
    const b = this.buf;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 16777216;
  }

  /** fixed64 reads 8 little-endian bytes as an unsigned bigint. */
  fixed64(): bigint {
    const lo = BigInt(this.fixed32());
    const hi = BigInt(this.fixed32());
    return (hi << 32n) | lo;
  }

  /** float32 reads an IEEE-754 single, little-endian. */
  float32(): number {
    const p = this.advance(4);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 4).getFloat32(0, true);
  }

  /** float64 reads an IEEE-754 double, little-endian. */
  float64(): number {
    const p = this.advance(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 8).getFloat64(0, true);
  }

  /** delimited reads a length-delimited field and returns its `[start, end)` range. */
  delimited(): { start: number; end: number } {
    const len = this.uint53();
    const start = this.advance(len);
    return { start, end: start + len };
  }

  /** skip skips the value of an unknown field of the given wire type. */
  skip(wireType: number, field: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint64();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.lengthDelimited:
        this.delimited();
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      default:
        throw new ProtobufDecodeError(`illegal wireType ${wireType} for field ${field}`);
    }
  }

  private advance(n: number): number {
    if (n < 0 || this.pos + n > this.end) throw new ProtobufDecodeError('unexpected EOF');
    const p = this.pos;
    this.pos += n;
    return p;
  }
}
