import { describe, expect, it } from 'vitest';
import { compileFilter, FilterError, filterRuns, parseFilter, type FilterableRun } from '../src/index.js';
import { runRecord } from './run-record.js';

function run(
  index: number,
  hidden: number,
  lr: number,
  status: FilterableRun['status'],
  metrics: Record<string, number>,
  extra: Partial<FilterableRun> = {},
): FilterableRun {
  const params = { 'model.hidden_units': hidden, 'train.learning_rate': lr, 'train.method': index % 2 ? 'pcd' : 'cd' };
  return runRecord<FilterableRun>({
    id: `${index}abc${hidden}`,
    index,
    status,
    params,
    seed: index % 2,
    metrics,
    ...extra,
  });
}

const runs = [
  run(0, 10, 0.1, 'finished', { ll: -150, recon_error: 0.3 }, { tags: ['keep'], note: 'First try' }),
  run(1, 100, 0.1, 'finished', { ll: -120, recon_error: 0.2 }, { tags: ['Keep', 'best'] }),
  run(2, 200, 0.01, 'failed', {}),
  run(3, 200, 0.1, 'running', {}),
];
const fields = {
  sweptParams: ['model.hidden_units', 'train.learning_rate', 'train.method'],
  metrics: ['ll', 'recon_error'],
};
const kept = (text: string) => {
  const result = filterRuns(runs, text, fields);
  if (!result.ok) throw result.error;
  return result.value.map((r) => r.index);
};
const errorOf = (text: string): FilterError => {
  const result = compileFilter(text, fields);
  if (result.ok) throw new Error(`expected '${text}' to be rejected`);
  return result.error;
};

describe('filter language', () => {
  it('compares swept parameters by last segment or full path, numerically', () => {
    expect(kept('hidden_units>=100')).toEqual([1, 2, 3]);
    expect(kept('model.hidden_units<100')).toEqual([0]);
    expect(kept('learning_rate=0.10')).toEqual([0, 1, 3]);
    expect(kept('hidden_units != 200')).toEqual([0, 1]);
    expect(kept('method=PCD')).toEqual([1, 3]);
  });

  it('combines with and, or, not and parentheses, with not > and > or', () => {
    expect(kept('hidden_units>=100 and status=finished')).toEqual([1]);
    expect(kept('status=failed or status=running and hidden_units=200')).toEqual([2, 3]);
    expect(kept('(status=failed or status=running) and learning_rate=0.1')).toEqual([3]);
    expect(kept('not status=finished')).toEqual([2, 3]);
    expect(kept('not (hidden_units=10 or hidden_units=100)')).toEqual([2, 3]);
    // terms side by side are joined by and
    expect(kept('hidden_units=200 running')).toEqual([3]);
    expect(kept('STATUS=finished AND NOT ll<-130')).toEqual([1]);
  });

  it('compares metrics; a run without the metric matches no comparison, != included', () => {
    expect(kept('ll>-130')).toEqual([1]);
    expect(kept('recon_error<=0.3')).toEqual([0, 1]);
    expect(kept('ll!=-150')).toEqual([1]);
  });

  it('reads tags and notes from the run record when present, id by prefix, seed', () => {
    expect(kept('tag=keep')).toEqual([0, 1]);
    expect(kept('tag!=best')).toEqual([0, 2, 3]);
    expect(kept('note=first')).toEqual([0]);
    expect(kept(`id=${runs[2].id.slice(0, 4)}`)).toEqual([2]);
    expect(kept('seed=1')).toEqual([1, 3]);
    expect(kept('tag="keep" and hidden_units>=100 and status=finished')).toEqual([1]);
  });

  it('matches text containing a value with ~: notes, tags, status, parameters', () => {
    expect(kept('note~"FIRST tr"')).toEqual([0]);
    expect(kept('tag~ee')).toEqual([0, 1]);
    expect(kept('status~fin')).toEqual([0, 1]);
    expect(kept('hidden_units~0')).toEqual([0, 1, 2, 3]);
    expect(kept('not note~try')).toEqual([1, 2, 3]);
  });

  it('keeps a bare word as a case-insensitive text match, and blank keeps everything', () => {
    expect(kept('FAIL')).toEqual([2]);
    expect(kept('hidden_units=10 finished')).toEqual([0]);
    expect(kept('"first try"')).toEqual([0]);
    expect(kept('   ')).toEqual([0, 1, 2, 3]);
    expect(parseFilter('')).toEqual({ ok: true, value: null });
  });

  it('points at the column of a syntax error', () => {
    expect(errorOf('hidden_units>=').column).toBe(15);
    expect(errorOf('hidden_units>=').reason).toMatch(/expected a value after '>='/);
    expect(errorOf('(status=failed').column).toBe(1);
    expect(errorOf('status=failed)').column).toBe(14);
    expect(errorOf('status=failed and').column).toBe(18);
    expect(errorOf('>= 3').reason).toMatch(/expected a name before/);
    expect(errorOf('note="abc').column).toBe(6);
    expect(errorOf('a ! b').reason).toMatch(/must be followed by '='/);
    expect(errorOf('or x').column).toBe(1);
  });

  it('points at unknown, ambiguous or misused names and values', () => {
    const unknown = errorOf('status=finished and hiden_units>3');
    expect(unknown.column).toBe(21);
    expect(unknown.reason).toMatch(/unknown name 'hiden_units'.*hidden_units/);
    const ambiguous = compileFilter('k=1', { sweptParams: ['a.k', 'b.k'], metrics: [] });
    expect(!ambiguous.ok && ambiguous.error.reason).toMatch(/ambiguous: write a\.k or b\.k/);
    expect(errorOf('status<3').reason).toMatch(/only be compared with =, != or ~/);
    const notNumber = errorOf('ll > abc');
    expect(notNumber.column).toBe(6);
    expect(notNumber.reason).toMatch(/compares numbers/);
  });

  it('is a user error whose message and pointer name the column', () => {
    const error = errorOf('hidden_units>=');
    expect(error).toBeInstanceOf(FilterError);
    expect(error.message).toBe("filter, column 15: expected a value after '>='");
    expect(error.pointer()).toBe(`hidden_units>=\n${' '.repeat(14)}^`);
  });
});
