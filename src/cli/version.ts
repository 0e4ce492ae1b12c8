/** The CLI's version (kept equal to package.json "version"; a test checks). */
export const CLI_VERSION = '0.1.0';
