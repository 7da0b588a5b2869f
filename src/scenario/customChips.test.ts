import { strToU8, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CHIP_FIELD_KEYS, CHIP_FIELDS, presetFigure } from './chipFields';
import { decodeHash, encodeHash, scenarioFromJson, scenarioToJson, scenarioToObject } from './codec';
import {
  CHIP_BASES,
  MAX_CHIP_FILE_BYTES,
  MAX_CUSTOM_CHIPS,
  readChipFileText,
  readCustomChips,
} from './customChips';
import { scenarioJsonSchema } from './jsonSchema';
import { SCHEMA_VERSION, VERSION_WITHOUT_CUSTOM_CHIPS } from './migrations';
import { findChipPreset } from './presets/chips';
import { defaultScenario, type Scenario } from './schema';

/** A `#s=` link holding exactly this JSON value (as a hostile page would build it). */
const linkOf = (value: unknown) =>
  `s=${Buffer.from(zlibSync(strToU8(JSON.stringify(value)))).toString('base64url')}`;
const withChips = (customChips: unknown) => decodeHash(linkOf({ v: 4, customChips }));
const fastH100 = { name: 'Fast H100', basedOn: 'h100', hbmBandwidthTBs: 6.7 };

describe('custom chips in links and files', () => {
  it('round-trip through a link and a scenario file with only the changed figures stored', () => {
    const s: Scenario = {
      ...defaultScenario(),
      customChips: [{ name: 'Fast H100', basedOn: 'h100', figures: { hbmBandwidthTBs: 6.7, tileRows: 8 } }],
    };
    const link = decodeHash(encodeHash(s));
    expect(link.issues).toEqual([]);
    expect(link.scenario.customChips).toEqual(s.customChips);
    const stored = scenarioToObject(s);
    expect(stored.v).toBe(SCHEMA_VERSION);
    expect(stored.customChips).toEqual([
      { name: 'Fast H100', basedOn: 'h100', hbmBandwidthTBs: 6.7, tileRows: 8 },
    ]);
    expect(scenarioFromJson(scenarioToJson(s)).scenario.customChips).toEqual(s.customChips);
  });

  it('leave a scenario without custom chips exactly as it was stored before them (v3, no key)', () => {
    const stored = scenarioToObject(defaultScenario());
    expect(stored.v).toBe(VERSION_WITHOUT_CUSTOM_CHIPS);
    expect('customChips' in stored).toBe(false);
    // A v3 link (made before custom chips existed) opens with none and no message.
    const old = decodeHash(linkOf({ v: 3, experts: 32 }));
    expect(old.issues).toEqual([]);
    expect(old.scenario.customChips).toEqual([]);
    expect(old.scenario.experts).toBe(32);
  });

  it('drop figures equal to the base preset and fill missing ones from it', () => {
    const h100 = findChipPreset('h100');
    if (!h100) throw new Error('no h100');
    const { value, issues } = readCustomChips([{ name: 'Same', basedOn: 'h100', hbmBandwidthTBs: 3.35 }]);
    expect(issues).toEqual([]);
    expect(value[0].figures).toEqual({});
    expect(presetFigure(h100, 'hbmBandwidthTBs')).toBe(3.35);
  });

  it('read a chip from a readable link as JSON text', () => {
    const d = decodeHash(`customChips=${encodeURIComponent(JSON.stringify([fastH100]))}`);
    expect(d.issues).toEqual([]);
    expect(d.scenario.customChips[0]).toEqual({
      name: 'Fast H100',
      basedOn: 'h100',
      figures: { hbmBandwidthTBs: 6.7 },
    });
  });

  it('describe custom chips in the JSON Schema from the field table', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, Record<string, unknown>> };
    const custom = schema.properties.customChips as { maxItems: number; items: Record<string, unknown> };
    expect(custom.maxItems).toBe(MAX_CUSTOM_CHIPS);
    const props = custom.items.properties as Record<string, Record<string, unknown>>;
    for (const key of CHIP_FIELD_KEYS) expect(props[key]).toBeDefined();
    expect(props.hbmBandwidthTBs.maximum).toBe(CHIP_FIELDS.hbmBandwidthTBs.max);
    expect(custom.items.additionalProperties).toBe(false);
  });

  it('accept every preset figure: each base is a chip with nothing to fix', () => {
    for (const p of CHIP_BASES) {
      const raw: Record<string, unknown> = { name: p.name.slice(0, 40), basedOn: p.id };
      for (const key of CHIP_FIELD_KEYS) {
        const v = presetFigure(p, key);
        if (v !== undefined) raw[key] = CHIP_FIELDS[key].kind === 'bool' ? v === 1 : v;
      }
      const { value, issues } = readCustomChips([raw]);
      expect({ id: p.id, issues }).toEqual({ id: p.id, issues: [] });
      expect(value[0].figures).toEqual({});
    }
  });
});

describe('hostile custom chips', () => {
  it('refuse garbage that is not a list, naming the field', () => {
    for (const junk of [42, 'lots', { a: 1 }, null, true, '[[[[[[[[]]]]]]]]']) {
      const d = withChips(junk);
      expect(d.scenario.customChips).toEqual([]);
      expect(d.issues.join(' ')).toMatch(/customChips/);
    }
  });

  it('drop items that are not chip objects and fix figures of the wrong type', () => {
    const d = withChips([
      7,
      null,
      [1],
      { name: 'ok', hbmBandwidthTBs: 'fast', tileRows: [8], staticShapes: 'maybe' },
    ]);
    expect(d.scenario.customChips).toHaveLength(1);
    expect(d.scenario.customChips[0].figures).toEqual({});
    const text = d.issues.join(' ');
    expect(text).toMatch(/not a chip object; dropped/);
    expect(text).toMatch(/HBM bandwidth \(hbmBandwidthTBs\): "fast" is not a number/);
    expect(text).toMatch(/Tile rows \(tileRows\): \[8\] is not a number/);
    expect(text).toMatch(/staticShapes\): "maybe" is not true or false/);
  });

  it('clamp out-of-range, negative, NaN and infinite figures into range', () => {
    const d = withChips([
      {
        name: 'absurd',
        hbmBandwidthTBs: -5,
        sramCapacityMB: 1e7, // 10 TB of SRAM
        linkBandwidthGBs: 0,
        tileRows: 2.5,
        bf16Tflops: 'NaN',
        tdpW: 'Infinity',
        sramExpertShare: 1e308,
      },
    ]);
    const f = d.scenario.customChips[0].figures;
    expect(f.sramCapacityMB).toBe(CHIP_FIELDS.sramCapacityMB.max);
    expect(f.linkBandwidthGBs).toBe(CHIP_FIELDS.linkBandwidthGBs.min);
    expect(f.tileRows).toBe(3);
    expect(f.sramExpertShare).toBe(1);
    expect(f.bf16Tflops).toBeUndefined();
    expect(f.tdpW).toBeUndefined();
    // -5 TB/s clamps to 0, which cannot read 80 GB of HBM: back to the H100's bandwidth (dropped as unchanged).
    expect(f.hbmBandwidthTBs).toBeUndefined();
    const text = d.issues.join(' ');
    for (const key of [
      'hbmBandwidthTBs',
      'sramCapacityMB',
      'linkBandwidthGBs',
      'tileRows',
      'bf16Tflops',
      'tdpW',
    ])
      expect(text).toContain(`(${key})`);
    expect(text).toMatch(/0 TB\/s cannot read 80 GB of HBM/);
    expect(text).toMatch(/"NaN" is not a finite number/);
  });

  it('fix FP8 and FP4 slower than BF16, and a chip with no memory at all', () => {
    const d = withChips([
      { name: 'slow fp8', basedOn: 'h100', fp8Tflops: 10, fp4Tflops: 5 },
      { name: 'no memory', basedOn: 'h100', hbmCapacityGB: 0, sramCapacityMB: 0 },
    ]);
    const [slow, empty] = d.scenario.customChips;
    expect(slow.figures.fp8Tflops).toBe(989); // raised to the BF16 rate
    expect(slow.figures.fp4Tflops).toBeUndefined(); // the BF16 rate, which is the H100's own (no FP4 units)
    expect(empty.figures.sramCapacityMB).toBe(0);
    expect(empty.figures.hbmCapacityGB).toBeUndefined(); // HBM restored to the base's 80 GB
    const text = d.issues.join(' ');
    expect(text).toMatch(/FP8 compute \(fp8Tflops\): 10 TFLOP\/s is slower than BF16 \(989\); using 989/);
    expect(text).toMatch(/a chip needs HBM or SRAM/);
  });

  it('rename duplicate names and clean control characters, blank and long names', () => {
    const d = withChips([
      { name: 'Twin' },
      { name: ' twin ' },
      { name: 'a\u202Eb\nc' },
      { name: 'x'.repeat(500) },
    ]);
    const names = d.scenario.customChips.map((c) => c.name);
    expect(names[0]).toBe('Twin');
    expect(names[1]).toBe('twin (2)');
    expect(names[2]).toBe('a b c');
    expect(names[3]).toHaveLength(40);
    expect(d.issues.join(' ')).toMatch(/is taken/);
    expect(withChips([{ name: '   ' }]).scenario.customChips[0].name).toBe('Custom chip 1');
    expect(withChips([{ name: 12 }]).issues.join(' ')).toMatch(/name 12 is not text/);
  });

  it('keep at most four of 100 chips', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ name: `chip ${i}`, tileRows: 8 }));
    const d = withChips(many);
    expect(d.scenario.customChips).toHaveLength(MAX_CUSTOM_CHIPS);
    expect(d.issues.join(' ')).toMatch(/100 chips given, at most 4 allowed/);
  });

  it('ignore prototype keys and unknown bases without touching any prototype', () => {
    const text = `[{"name":"p","__proto__":{"hbmBandwidthTBs":99},"constructor":{"prototype":{"x":1}},"basedOn":"__proto__"}]`;
    const d = decodeHash(
      `s=${Buffer.from(zlibSync(strToU8(`{"v":4,"customChips":${text}}`))).toString('base64url')}`,
    );
    const chip = d.scenario.customChips[0];
    expect(chip.basedOn).toBe('h100');
    expect(chip.figures).toEqual({});
    expect(Object.getPrototypeOf(chip.figures)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).hbmBandwidthTBs).toBeUndefined();
    expect(d.issues.join(' ')).toMatch(/unknown figures "__proto__", "constructor"/);
    expect(d.issues.join(' ')).toMatch(/basedOn\): "__proto__" is not a chip preset/);
    // A two-pool system is not one chip.
    expect(withChips([{ name: 's', basedOn: 'afd-h100' }]).scenario.customChips[0]?.basedOn ?? 'h100').toBe(
      'h100',
    );
  });

  it('refuse deep nesting and oversized links with a message, not a crash', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    const nested = withChips([{ name: 'deep', hbmBandwidthTBs: deep }]);
    expect(nested.error).toMatch(/nested/);
    expect(nested.scenario.customChips).toEqual([]);
    const shallowDeep = withChips([{ name: 'd', tdpW: { a: { b: { c: { d: 1 } } } } }]);
    expect(shallowDeep.issues.join(' ')).toMatch(
      /Board power \(TDP\) \(tdpW\): \{"a":\{"b":\{"c":\{…\}\}\}\} is not a number/,
    );
    const huge = withChips([{ name: 'big', junk: 'x'.repeat(300_000) }]);
    expect(huge.error).toMatch(/too (large|long)/);
    const wide = withChips([Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))]);
    expect(wide.scenario.customChips).toEqual([]);
    expect(wide.issues.join(' ')).toMatch(/500 keys is too many/);
    const longText = decodeHash(`customChips=${'['.repeat(5000)}`);
    expect(longText.scenario.customChips).toEqual([]);
    expect(longText.issues.join(' ')).toMatch(/customChips/);
  });

  it('report a newer chip format and a newer schema without losing the chips', () => {
    const d = withChips([{ name: 'future', chipFormat: 9, tileRows: 8 }]);
    expect(d.scenario.customChips[0].figures.tileRows).toBe(8);
    expect(d.issues.join(' ')).toMatch(/chip format 9 is newer/);
    const newer = decodeHash(linkOf({ v: SCHEMA_VERSION + 1, customChips: [fastH100] }));
    expect(newer.scenario.customChips[0].figures.hbmBandwidthTBs).toBe(6.7);
  });
});

describe('chip files (the CLI\'s --chip-file and the app\'s "Open chip file" read them alike)', () => {
  const read = (text: string) => {
    const issues: string[] = [];
    return { chip: readChipFileText(text, 'my.json', issues), issues };
  };

  it('read a chip file, with or without a byte-order mark', () => {
    for (const text of [JSON.stringify(fastH100), `\ufeff${JSON.stringify(fastH100, null, 2)}`]) {
      const { chip, issues } = read(text);
      expect(issues).toEqual([]);
      expect(chip).toEqual({ name: 'Fast H100', basedOn: 'h100', figures: { hbmBandwidthTBs: 6.7 } });
    }
  });

  it('refuse text that holds no chip with one reason, never a stack overflow', () => {
    const cases: [string, RegExp][] = [
      ['{"name": ', /my\.json is not a chip file: .*JSON/],
      ['', /my\.json is not a chip file/],
      [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, /characters; a chip file holds at most/],
      [`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, /nested 5000 levels deep; at most 64/],
      ['[1, 2, 3]', /is not a chip object/],
      ['null', /is not a chip object/],
      [' '.repeat(MAX_CHIP_FILE_BYTES + 1), /a chip file holds at most 65536/],
    ];
    for (const [text, message] of cases) {
      const { chip, issues } = read(text);
      expect(chip).toBeUndefined();
      expect(issues.at(-1)).toMatch(message);
    }
  });
});

describe('a file of another kind given as a chip file', () => {
  it('is refused by its keys (a scenario, a count table, a report), in the app as in the CLI', () => {
    for (const content of [
      { tokens: 32, experts: 8 },
      { layer_0: { 0: 5 } },
      { moeLab: {}, metrics: {} },
      {},
    ]) {
      const issues: string[] = [];
      expect(readChipFileText(JSON.stringify(content), 'x.json', issues)).toBeUndefined();
      expect(issues.at(-1)).toMatch(/^x\.json holds none of a chip file's keys \((".*"|none)\)/);
    }
    // One chip key is enough: the rest are reported and dropped as before.
    const issues: string[] = [];
    expect(readChipFileText('{"hbmBandwidthTBs": 5, "junk": 1}', 'x.json', issues)?.figures).toEqual({
      hbmBandwidthTBs: 5,
    });
  });
});
