/** Named GPU buffers reused across runs while big enough (replaced by one of the new size otherwise). */
export class BufferPool {
  private readonly buffers = new Map<string, GPUBuffer>();

  constructor(private readonly device: GPUDevice) {}

  get(name: string, bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const need = Math.max(16, Math.ceil(bytes / 16) * 16);
    const have = this.buffers.get(name);
    if (have && have.size >= need && have.usage === usage) return have;
    have?.destroy();
    const buffer = this.device.createBuffer({ label: name, size: Math.ceil(need / 256) * 256, usage });
    this.buffers.set(name, buffer);
    return buffer;
  }

  bytes(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.size;
    return n;
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
  }
}
