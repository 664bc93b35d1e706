/** `rbm-lab tag` and `rbm-lab note`: annotations on runs, kept in the run store beside their results. */
import { existsSync } from 'node:fs';
import { isPostgresUrl } from '../store/postgres-engine.js';
import { resolveDbPath } from '../store/paths.js';
import { openRunStore } from '../store/run-store.js';
import type { RunStore } from '../store/types.js';
import { type CliCommand, type CliIo, dbOption, EXIT, findRun, parse, UsageError } from './common.js';

/** A tag is one word a filter can name unquoted: letters, digits and . _ : / + - (at most 64). */
const TAG = /^[\p{L}\p{N}._:/+-]{1,64}$/u;

/** Opens an existing database for writing (never creates one: an annotation needs a run). */
async function withWriter<T>(db: string | undefined, io: CliIo, body: (store: RunStore) => Promise<T>): Promise<T> {
  const location = resolveDbPath(db, io.env, io.cwd);
  if (!isPostgresUrl(location) && !existsSync(location))
    throw new UsageError(`no run database at ${location}: run a sweep first, or point --db / RBM_LAB_DB at one`);
  const store = await openRunStore(location, { env: io.env });
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

export const tagCommand: CliCommand = {
  usage: 'tag <run> <tag>... [--remove] [--db URL]                   add (or remove) tags of a run',
  help: `usage: rbm-lab tag <run> <tag>... [--remove] [--db URL]

Adds tags to a run (id or unique prefix), or removes them with --remove.
A tag is one word: letters, digits and . _ : / + - (e.g. keep, paper:fig3).
Tags show in list, show and the dashboard, and filters select on them: tag=keep.`,
  async run(args, io) {
    const { values, positionals } = parse(args, { ...dbOption, remove: { type: 'boolean', short: 'r' } }, 'tag');
    if (positionals.length < 2)
      throw new UsageError('tag: expected a run and at least one tag, e.g. `rbm-lab tag 68f347 keep`');
    const [prefix, ...tags] = positionals;
    const bad = tags.find((t) => !TAG.test(t));
    if (bad !== undefined)
      throw new UsageError(`tag: '${bad}' is not a tag: use one word of letters, digits and . _ : / + - (at most 64)`);
    await withWriter(values.db, io, async (store) => {
      const run = await findRun(store, prefix);
      for (const tag of tags) await (values.remove === true ? store.removeTag(run.id, tag) : store.addTag(run.id, tag));
      const now = (await store.getRun(run.id))?.tags ?? [];
      io.stdout.write(`run ${run.id}: tags ${now.length > 0 ? now.join(', ') : '(none)'}\n`);
    });
    return EXIT.ok;
  },
};

export const noteCommand: CliCommand = {
  usage: 'note <run> ["text"] [--clear] [--db URL]                   set, show or clear the note of a run',
  help: `usage: rbm-lab note <run> ["text"] [--clear] [--db URL]

Sets the note of a run (id or unique prefix) to the text, replacing the old one;
with no text prints it; --clear removes it. Notes show in show, list (✎) and the
dashboard's run detail, and filters select on them: note~diverged (contains).`,
  async run(args, io) {
    const { values, positionals } = parse(args, { ...dbOption, clear: { type: 'boolean' } }, 'note');
    if (positionals.length < 1 || positionals.length > 2)
      throw new UsageError('note: expected a run and the text in quotes, e.g. `rbm-lab note 68f347 "lr too high"`');
    const [prefix, text] = positionals;
    if (values.clear === true && text !== undefined) throw new UsageError('note: give either a text or --clear');
    if (text !== undefined && text.trim() === '')
      throw new UsageError('note: the text is empty (use --clear to remove a note)');
    await withWriter(values.db, io, async (store) => {
      const run = await findRun(store, prefix);
      if (values.clear === true) await store.setNote(run.id, null);
      else if (text !== undefined) await store.setNote(run.id, text.trim());
      const note = (await store.getRun(run.id))?.note ?? null;
      io.stdout.write(`run ${run.id}: ${note === null ? 'no note' : `note: ${note}`}\n`);
    });
    return EXIT.ok;
  },
};
