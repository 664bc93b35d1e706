// @jsxRuntime automatic
// @jsxImportSource react
/** Small rendering helpers shared by the screens. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { padEnd, padStart } from './format.js';

export interface Styled {
  text: string;
  color?: string;
  backgroundColor?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

/** One terminal line made of styled pieces, cut at the box edge instead of wrapping. */
export function Line({ parts, inverse }: { parts: Styled[]; inverse?: boolean }) {
  return (
    <Text wrap="truncate-end" inverse={inverse}>
      {parts.length === 0 ? ' ' : null}
      {parts.map((p, i) => (
        <Text
          key={i}
          color={p.color}
          backgroundColor={p.backgroundColor}
          bold={p.bold}
          dimColor={p.dim}
          inverse={p.inverse}
        >
          {p.text}
        </Text>
      ))}
    </Text>
  );
}

/** Lines of text one under the other (a sample grid), or why there are none, dimmed; all cut at the box edge. */
export function TextLines({ lines, empty }: { lines: readonly string[]; empty: string }) {
  if (lines.length === 0) {
    return (
      <Text dimColor wrap="truncate-end">
        {empty}
      </Text>
    );
  }
  return lines.map((l, i) => (
    <Text key={i} wrap="truncate-end">
      {l}
    </Text>
  ));
}

export function Title({ children }: { children: ReactNode }) {
  return (
    <Text bold color="cyan" wrap="truncate-end">
      {children}
    </Text>
  );
}

export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  return align === 'right' ? padStart(text, width) : padEnd(text, width);
}

/** First index of a window of `size` rows that keeps `cursor` visible. */
export function windowStart(cursor: number, count: number, size: number): number {
  if (size <= 0 || count <= size) return 0;
  const half = Math.floor(size / 2);
  return Math.max(0, Math.min(count - size, cursor - half));
}

export const STATUS_COLORS: Record<string, string> = {
  finished: 'green',
  running: 'yellow',
  failed: 'red',
  interrupted: 'magenta',
  pending: 'gray',
};

export function Blank({ height }: { height: number }) {
  return <Box height={Math.max(0, height)} />;
}
