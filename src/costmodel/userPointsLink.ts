/**
 * A small set of a person's benchmark points in the scenario link, as the extras key `pts`:
 *
 *   pts=1.<base64url(zlib(CSV))>
 *
 * "1" is the encoding's version; the CSV is userPointsToCsv's canonical form (only the columns the points fill), so
 * reading a link goes through the same reader, with the same checks, as a pasted CSV. Every character is one that
 * encodeURIComponent leaves alone, so the link carries it unescaped. At most MAX_LINK_POINTS points travel; larger
 * sets are not put in the link (the app says so). The key never affects the scenario: a damaged `pts` is reported
 * and the rest of the link opens as it would without it.
 */
import { packLinkText, unpackLinkText } from '../scenario';
import { readUserPoints, type UserPoint, userPointsToCsv } from './userPoints';

export const POINTS_LINK_KEY = 'pts';
export const POINTS_LINK_VERSION = 1;
/** Most points put in a link: 12 canonical CSV lines compress to well under a kilobyte of link. */
export const MAX_LINK_POINTS = 12;
/** Longest `pts` value read; 12 points with long labels and sources stay far below it. */
export const MAX_POINTS_PARAM_CHARS = 6000;
/** Most CSV characters a `pts` value may inflate to (a compressed bomb is refused before it is inflated whole). */
const MAX_INFLATED_BYTES = 16_384;

export interface PointsFromLink {
  points: UserPoint[];
  /** Problems with single points (the good ones are kept), as sentences. */
  problems: string[];
  /** Set when the value holds no points at all (damaged, too long, unknown version, too many points). */
  error?: string;
}

/**
 * The `pts` value for these points, or undefined when there are none, more than MAX_LINK_POINTS, or their labels and
 * sources make the value longer than a link may carry (MAX_POINTS_PARAM_CHARS; the whole link must stay readable).
 */
export function encodePointsParam(points: readonly UserPoint[]): string | undefined {
  if (points.length === 0 || points.length > MAX_LINK_POINTS) return undefined;
  const csv = userPointsToCsv(points);
  const value = `${POINTS_LINK_VERSION}.${packLinkText(csv)}`;
  return value.length <= MAX_POINTS_PARAM_CHARS ? value : undefined;
}

const failed = (error: string): PointsFromLink => ({ points: [], problems: [error], error });

/** The points a `pts` value carries. Never throws; a hostile value gives an error sentence and no points. */
export function decodePointsParam(value: unknown): PointsFromLink {
  if (typeof value !== 'string' || value.trim() === '')
    return failed('The link\'s points ("pts") are empty.');
  if (value.length > MAX_POINTS_PARAM_CHARS) {
    return failed(
      `The link's points ("pts") are too long (${value.length} characters; at most ${MAX_POINTS_PARAM_CHARS}).`,
    );
  }
  const m = /^(\d{1,4})\.([A-Za-z0-9_-]+)$/.exec(value.trim());
  if (!m) return failed('The link\'s points ("pts") are damaged: expected "1." and then the encoded points.');
  if (Number(m[1]) !== POINTS_LINK_VERSION) {
    return failed(
      `The link's points use encoding version ${m[1]}; this version of moe-lab reads version ${POINTS_LINK_VERSION}.`,
    );
  }
  let csv: string;
  try {
    const text = unpackLinkText(m[2], MAX_INFLATED_BYTES + 1);
    if (text === undefined) return failed('The link\'s points ("pts") are too large once decompressed.');
    csv = text;
  } catch {
    return failed('The link\'s points ("pts") are damaged (they could not be decompressed).');
  }
  const read = readUserPoints(csv, MAX_LINK_POINTS + 1);
  if (read.points.length > MAX_LINK_POINTS) {
    return failed(
      `The link carries more than ${MAX_LINK_POINTS} points; links carry at most ${MAX_LINK_POINTS}.`,
    );
  }
  const problems = read.problems.map((p) => `Point on line ${p.row} of the link's points: ${p.message}.`);
  if (read.points.length === 0) {
    const error = problems.length ? problems.join(' ') : 'The link\'s points ("pts") hold no point.';
    return { points: [], problems: problems.length ? problems : [error], error };
  }
  return { points: read.points, problems };
}
