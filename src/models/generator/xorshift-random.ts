/**
 * A small seeded PRNG (Marsaglia's xorshift128) for test weights: fast over typed arrays and reproducible,
 * not for anything that needs quality or secrecy.
 */
export class XorshiftRandom {
  private x: number;
  private y: number;
  private z: number;
  private w: number;

  /** Any seed, including 0, gives a usable state: splitmix32 spreads it over the four words. */
  constructor(seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let mixed = state;
      mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
      mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
      return (mixed ^ (mixed >>> 16)) >>> 0;
    };
    this.x = next();
    this.y = next();
    this.z = next();
    this.w = next() | 1; // the all-zero state is the one xorshift never leaves
  }

  /** Seeds from a number and a label, so each tensor gets its own stream regardless of write order. */
  static forLabel(seed: number, label: string): XorshiftRandom {
    let hash = (0x811c9dc5 ^ seed) >>> 0; // FNV-1a
    for (let index = 0; index < label.length; index++) {
      hash = Math.imul(hash ^ label.charCodeAt(index), 0x01000193) >>> 0;
    }
    return new XorshiftRandom(hash);
  }

  nextUint32(): number {
    const t = this.x ^ (this.x << 11);
    this.x = this.y;
    this.y = this.z;
    this.z = this.w;
    this.w = (this.w ^ (this.w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.w;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  fillUint32(target: Uint32Array): void {
    // The state lives in locals for the loop: property access per word is several times slower.
    let { x, y, z, w } = this;
    for (let index = 0; index < target.length; index++) {
      const t = x ^ (x << 11);
      x = y;
      y = z;
      z = w;
      w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
      target[index] = w;
    }
    this.x = x;
    this.y = y;
    this.z = z;
    this.w = w;
  }
}
