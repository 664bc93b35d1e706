/**
 * Ink 6 draws nothing until the app exits when it believes it runs in CI (the
 * `is-in-ci` check: CI or CONTINUOUS_INTEGRATION set, to anything but 0 or
 * false, even empty). A dashboard in a real terminal with such a variable
 * would stay blank, so `rbm-lab ui` removes them from its own environment
 * before Ink loads, and says so in one line.
 */

const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

/** The variables that make Ink believe it runs in CI. */
export function inkCiVariables(env: NodeJS.ProcessEnv): string[] {
  return CI_VARIABLES.filter((name) => name in env && env[name] !== '0' && env[name] !== 'false');
}

/**
 * On a terminal, removes the CI variables from `env` (before Ink is imported)
 * and writes one line about it to `stderr`; elsewhere changes nothing.
 * Returns the names removed.
 */
export function letInkDraw(env: NodeJS.ProcessEnv, stdoutIsTty: boolean, stderr: NodeJS.WritableStream): string[] {
  const found = inkCiVariables(env);
  if (!stdoutIsTty || found.length === 0) return [];
  for (const name of found) delete env[name];
  stderr.write(
    `rbm-lab ui: ${found.join(' and ')} is set, and with it Ink draws nothing until exit; ` +
      'the dashboard unset it for itself (run `env -u CI rbm-lab ui` to avoid this note)\n',
  );
  return found;
}
