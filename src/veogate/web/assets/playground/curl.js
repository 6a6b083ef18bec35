// "Copy as curl": the form as a shell command in any dialect, the key left in $VEOGATE_API_KEY.

import { dialectRequest } from "./bodies.js";

function quoted(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** `{command, gaps}`: the command (null when the dialect cannot take the form at all) and
 * what the dialect cannot express. */
export function curlCommand(dialect, state, catalog, origin) {
  const request = dialectRequest(dialect, state, catalog);
  if (!request.body) {
    return { command: null, gaps: request.gaps };
  }
  const lines = [
    `curl -sS -X POST ${quoted(origin + request.path)}`,
    ...request.headers.map((header) => `-H "${header}"`),
    "-H 'Content-Type: application/json'",
    `-d ${quoted(JSON.stringify(request.body, null, 2))}`,
  ];
  return { command: lines.join(" \\\n  "), gaps: request.gaps };
}
