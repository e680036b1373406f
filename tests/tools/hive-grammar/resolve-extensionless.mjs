// dt-sql-parser's dist/ is ES modules written for bundlers: its imports name
// "./parser" for "./parser/index.js" and "./foo" for "./foo.js", which Node's own
// resolver refuses. This hook retries such a relative import with those endings.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!specifier.startsWith('.') || !['ERR_UNSUPPORTED_DIR_IMPORT', 'ERR_MODULE_NOT_FOUND'].includes(error.code)) {
      throw error;
    }
    for (const ending of ['.js', '/index.js']) {
      try {
        return await nextResolve(specifier + ending, context);
      } catch {
        // the next ending
      }
    }
    throw error;
  }
}
