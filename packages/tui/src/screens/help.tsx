// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';

export const HELP: Array<[string, Array<[string, string]>]> = [
  [
    'everywhere',
    [
      ['?', 'this help'],
      ['q', 'quit'],
      ['esc / backspace', 'back'],
      ['↑ ↓ / j k', 'move'],
      ['pgup pgdn home end', 'jump'],
    ],
  ],
  [
    'sweeps',
    [
      ['enter', 'runs of the sweep'],
      ['h', 'heatmap (sweep over two parameters)'],
    ],
  ],
  [
    'runs',
    [
      ['enter', 'run detail'],
      ['space', 'select for comparison (2 to 4)'],
      ['c', 'compare selected runs'],
      ['x', 'clear selection'],
      ['s / S', 'sort by next column / reverse order'],
      ['/', 'filter by text (enter keeps, esc clears)'],
      ['h', 'heatmap'],
    ],
  ],
  [
    'detail',
    [
      ['m / M', 'next / previous curve'],
      ['← →', 'previous / next run of the sweep'],
    ],
  ],
  ['compare', [['m / M', 'next / previous metric for overlaid curves']]],
  [
    'heatmap',
    [
      ['m / M', 'next / previous metric'],
      ['p', 'next pair of parameters'],
      ['t', 'swap rows and columns'],
    ],
  ],
];

export function HelpView({ width, height }: { width: number; height: number }) {
  const lines: Array<{ text: string; bold?: boolean }> = [{ text: 'Keys (any key closes this help)', bold: true }];
  for (const [screen, keys] of HELP) {
    lines.push({ text: screen, bold: true });
    for (const [key, what] of keys) lines.push({ text: `  ${key.padEnd(20)} ${what}` });
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(0, height).map((l, i) => (
        <Text key={i} bold={l.bold} color={l.bold ? 'cyan' : undefined} wrap="truncate-end">
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
