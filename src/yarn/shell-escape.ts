/**
 * Quoting for YARN container commands.
 *
 * The NodeManager joins the command pieces with spaces and writes them into
 * its launch script as `exec /bin/bash -c "<joined>"`, so every piece passes
 * two shells: the outer double-quoted context (where `$`, `"`, `` ` `` and `\`
 * are live) and the inner `bash -c` (where whitespace and quotes split words).
 * Each argument is therefore put in single quotes for the inner shell, with the
 * characters the outer double quotes would interpret escaped by backslash.
 * Spark's YARN client quotes user arguments for the same reason.
 */
export function escapeForYarnShell(arg: string): string {
  let out = "'";
  for (const ch of arg) {
    switch (ch) {
      case '$':
        out += '\\$';
        break;
      case '"':
        out += '\\"';
        break;
      case '`':
        out += '\\`';
        break;
      case '\\':
        out += '\\\\';
        break;
      case "'":
        // Close the single-quoted run, add an escaped quote, reopen.
        out += "'\\''";
        break;
      default:
        out += ch;
    }
  }
  return out + "'";
}
