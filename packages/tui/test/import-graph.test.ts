/**
 * The package graph of README "Architecture": datasets -> core -> experiments -> tui.
 * No source file imports a package above its own (nor reaches into another package by a
 * relative path), no package.json declares one, and the dashboard never imports
 * @rbm-lab/core: it reads the database through experiments, never the models.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** Lowest first: a package may import only those before it. */
const LAYERS = ['datasets', 'core', 'experiments', 'tui'] as const;
/** Pairs that the layering allows but the design does not. */
const FORBIDDEN: Record<string, readonly string[]> = { tui: ['core'] };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function importSpecifiers(text: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].map((m) => m[1]);
}

/** Why `specifier`, imported by a file of package `from`, breaks the graph; undefined when it does not. */
function violation(from: string, file: string, specifier: string): string | undefined {
  const allowed = LAYERS.slice(0, LAYERS.indexOf(from as (typeof LAYERS)[number])).filter(
    (p) => !(FORBIDDEN[from] ?? []).includes(p),
  );
  const scoped = /^@rbm-lab\/([^/]+)/.exec(specifier);
  if (scoped) return allowed.includes(scoped[1] as never) ? undefined : `imports @rbm-lab/${scoped[1]}`;
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(join(PACKAGES_DIR, from), resolve(dirname(file), specifier));
  return target.startsWith('..') ? `reaches outside its package: ${specifier}` : undefined;
}

describe('package import graph (datasets -> core -> experiments -> tui)', () => {
  it('finds the imports it checks: static, re-exports and dynamic', () => {
    const text = [
      "import { a } from '@rbm-lab/core';",
      "export * from './x.js';",
      "const { b } = await import('@rbm-lab/experiments');",
      "import './side-effect.js';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['@rbm-lab/core', './x.js', '@rbm-lab/experiments', './side-effect.js']);
  });

  for (const pkg of LAYERS) {
    it(`${pkg}: its sources import no package above it${FORBIDDEN[pkg] ? ` nor ${FORBIDDEN[pkg].join(', ')}` : ''}`, () => {
      const src = join(PACKAGES_DIR, pkg, 'src');
      const imports = sourceFiles(src).flatMap((file) =>
        importSpecifiers(readFileSync(file, 'utf8')).map((specifier) => ({ file, specifier })),
      );
      // Every package but the lowest uses the one below it: the scan sees real imports.
      const lower = LAYERS[LAYERS.indexOf(pkg) - 1];
      if (lower) expect(imports.some((i) => i.specifier === `@rbm-lab/${lower}`)).toBe(true);
      const problems = imports.flatMap(({ file, specifier }) => {
        const why = violation(pkg, file, specifier);
        return why === undefined ? [] : [`${relative(PACKAGES_DIR, file)} ${why}`];
      });
      expect(problems).toEqual([]);
    });

    it(`${pkg}: its package.json depends on no package above it`, () => {
      const manifest = JSON.parse(readFileSync(join(PACKAGES_DIR, pkg, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const declared = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
      const problems = declared.flatMap((name) => {
        const why = violation(pkg, join(PACKAGES_DIR, pkg, 'package.json'), name);
        return why === undefined ? [] : [`${name}: ${why}`];
      });
      expect(problems).toEqual([]);
    });
  }
});
