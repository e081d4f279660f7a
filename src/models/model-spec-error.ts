/** A model spec that cannot be parsed, or that names nothing (no such preset, quantisation or cached file). */
export class ModelSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelSpecError";
  }
}
