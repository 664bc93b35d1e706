// @jsxRuntime automatic
// @jsxImportSource react
import { Box, Text } from 'ink';

export interface EmptyViewProps {
  dbPath: string;
  reason: 'missing' | 'no-sweeps' | 'error';
  error?: string;
  width: number;
  height: number;
}

export const START_COMMAND = 'npx nx run experiments:sweep configs/hidden.yaml';

export function EmptyView({ dbPath, reason, error, width, height }: EmptyViewProps) {
  const headline =
    reason === 'missing'
      ? 'No database yet.'
      : reason === 'no-sweeps'
        ? 'The database has no sweeps yet.'
        : 'The database cannot be read.';
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1}>
      <Text bold color={reason === 'error' ? 'red' : 'yellow'} wrap="truncate-end">
        {headline}
      </Text>
      <Text wrap="truncate-end">{`Database: ${dbPath}`}</Text>
      {error ? (
        <Text color="red" wrap="wrap">
          {error}
        </Text>
      ) : null}
      <Text> </Text>
      <Text wrap="truncate-end">Start a sweep from the project root:</Text>
      <Text color="green" wrap="truncate-end">{`  ${START_COMMAND}`}</Text>
      <Text wrap="truncate-end">or, with the CLI:</Text>
      <Text color="green" wrap="truncate-end">{`  npx rbm-lab sweep configs/hidden.yaml --db ${dbPath}`}</Text>
      <Text> </Text>
      <Text dimColor wrap="truncate-end">
        This screen checks every second and shows the sweep as soon as it starts writing.
      </Text>
    </Box>
  );
}
