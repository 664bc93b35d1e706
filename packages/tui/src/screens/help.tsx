// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';
import { bindingLabel } from '../keys.js';
import type { HelpSection } from '../state/keymap.js';

interface HelpLine {
  text: string;
  title?: boolean;
}

function helpLines(sections: HelpSection[], keyW: number): HelpLine[] {
  const lines: HelpLine[] = [];
  for (const section of sections) {
    lines.push({ text: section.title, title: true });
    for (const b of section.bindings) lines.push({ text: `  ${bindingLabel(b).padEnd(keyW)} ${b.help}` });
  }
  return lines;
}

/** The keys, from the tables the reducers act on; in two columns when the terminal is wide enough. */
export function HelpView({ sections, width, height }: { sections: HelpSection[]; width: number; height: number }) {
  const keyW = Math.max(...sections.flatMap((s) => s.bindings.map((b) => bindingLabel(b).length)));
  const lines = helpLines(sections, keyW);
  const rows = Math.max(1, height - 1);
  const columns = lines.length > rows && width >= 120 ? 2 : 1;
  // split between sections, so no section is cut in two
  let split = lines.length;
  if (columns === 2) {
    const starts = lines.map((l, i) => (l.title ? i : -1)).filter((i) => i > 0);
    split = starts.reduce((best, i) => (Math.abs(i - lines.length / 2) < Math.abs(best - lines.length / 2) ? i : best));
  }
  const parts = columns === 2 ? [lines.slice(0, split), lines.slice(split)] : [lines];
  const columnW = Math.floor(width / columns);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        Keys (any key closes this help)
      </Text>
      <Box flexDirection="row">
        {parts.map((column, c) => (
          <Box key={c} flexDirection="column" width={columnW}>
            {column.slice(0, rows).map((l, i) => (
              <Text key={i} bold={l.title} color={l.title ? 'cyan' : undefined} wrap="truncate-end">
                {l.text}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
