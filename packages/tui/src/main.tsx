// @jsxRuntime automatic
// @jsxImportSource react
/** Entry of `npx nx run tui:start`: the dashboard, with the same --db rules as the CLI. */
import { runDashboard } from './dashboard.js';

process.exitCode = await runDashboard(process.argv.slice(2));
