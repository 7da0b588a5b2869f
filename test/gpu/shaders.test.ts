import { describe, expect, it } from 'vitest';
import { resolveShader } from '../../src/gpu';
import { browserShaders } from '../../src/gpu/browserShaders';
import { loadNodeShaders } from '../../src/gpu/nodeShaders';

describe('shader library', () => {
  it('the Vite (import.meta.glob) and Node (fs) loaders see the same WGSL', () => {
    const node = loadNodeShaders();
    expect(Object.keys(browserShaders).sort()).toEqual(Object.keys(node).sort());
    for (const [name, src] of Object.entries(node)) expect(browserShaders[name]).toBe(src);
    expect(Object.keys(node)).toEqual(
      expect.arrayContaining(['routerGemm', 'gate', 'countChunks', 'offsets', 'scatter']),
    );
  });

  it('resolves includes once and adds nothing else (sizes are pipeline constants, not prepended source)', () => {
    const lib = { a: '//!include b\n//!include b\nfn a() {}', b: 'override B: u32;' };
    const out = resolveShader(lib, 'a');
    expect(out.match(/override B/g)).toHaveLength(1);
    expect(out).toBe('override B: u32;\n\nfn a() {}');
    expect(() => resolveShader(lib, 'missing')).toThrow(/missing/);
  });
});
