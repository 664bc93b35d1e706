// @jsxRuntime automatic
// @jsxImportSource react
/** Entry of `npx nx run tui:start`: the dashboard, with the same --db rules as the CLI. */
import { letInkDraw } from './ci.js';

letInkDraw(process.env, process.stdout.isTTY === true, process.stderr);
const { runDashboard } = await import('./dashboard.js');
process.exitCode = await runDashboard(process.argv.slice(2));
