/** HTML pages of the Garmin SSO as clients read them (reference §4.1, §4.3, §4.4; recorded shapes). */

const escapeJs = (url: string): string => url.replace(/\//g, '\\/');

export function mobileSignInPage(): string {
  return `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
    <head>
        <title>Garmin SSO Portal</title>
        <meta charset="UTF-8">
        <meta name="description" content="Garmin SSO Portal">
        <script>var GarminAppBootstrap = {messages: {"casLoginViewPageTitle":"GARMIN Authentication Application"}};</script>
    </head>
    <body><div id="root"></div></body>
</html>`;
}

/**
 * The widget's pages share one frame (tab-indented as recorded): a title, an optional inline script
 * of `var` lines that clients read with regular expressions, and a body.
 */
interface WidgetPage {
  readonly title: string;
  readonly script?: readonly string[];
  /** Lines inside <body>, or one string kept on the <body> line itself. */
  readonly body: readonly string[] | string;
}

const tabbed = (depth: number, lines: readonly string[]): string =>
  lines.map((line) => `${'\t'.repeat(depth)}${line}\n`).join('');

function widgetPage(page: WidgetPage): string {
  const script = page.script ? `\t\t<script type="text/javascript">\n${tabbed(3, page.script)}\t\t</script>\n` : '';
  const body = typeof page.body === 'string' ? page.body : `\n${tabbed(2, page.body)}\t`;
  return `<!DOCTYPE html>
<html class="no-js">
	<head>
		<title>${page.title}</title>
		<meta charset="utf-8">
${script}	</head>
	<body>${body}</body>
</html>`;
}

export function embedPage(): string {
  return widgetPage({ title: 'GAuth Embedded Version', body: '<div id="GAuth-component"></div>' });
}

export function signinPage(csrf: string, status: '' | 'FAIL'): string {
  return widgetPage({
    title: 'GARMIN Authentication Application',
    script: [`var status = "${status}";`],
    body: [
      '<form method="post" id="login-form">',
      '\t<input type="email" name="username" id="username" />',
      '\t<input type="password" name="password" id="password" />',
      '\t<input type="hidden" name="embed" value="true"/>',
      `\t<input type="hidden" name="_csrf" value="${csrf}" />`,
      '\t<button type="submit" id="login-btn-signin">Sign In</button>',
      '</form>',
    ],
  });
}

export function successPage(ssoOrigin: string, ticket: string): string {
  const embed = `${ssoOrigin}/sso/embed`;
  return widgetPage({
    title: 'Success',
    script: [
      `var redirectAfterAccountLoginUrl \t  = "${escapeJs(embed)}";`,
      `var service_url                  \t  = "${escapeJs(embed)}";`,
      `var response_url                 \t  = "${escapeJs(`${embed}?ticket=${ticket}`)}";`,
      `var logintoken                   \t  = "";`,
      "var service_ticket = response_url.substring(response_url.indexOf('ticket=') + 7, response_url.length);",
    ],
    body: '',
  });
}

export interface MfaPageVars {
  readonly customerGuid: string;
  readonly mfaMethod: string;
  readonly locale: string;
  readonly clientId: string;
  /** Present only when a code has been sent for this session (§4.4 step 3). */
  readonly codeSentTo: string | null;
}

/** In the order the page declares them. */
const MFA_PAGE_VARS = ['customerGuid', 'mfaMethod', 'locale', 'clientId', 'codeSentTo'] as const;

/**
 * The widget MFA page. Email/SMS pages carry the generic title (python-garminconnect PR #371);
 * the TOTP page keeps "Enter MFA code for login" (§7).
 */
export function mfaPage(csrf: string, invalidCode: boolean, vars: MfaPageVars): string {
  return widgetPage({
    title: vars.mfaMethod === 'totp' ? 'Enter MFA code for login' : 'GARMIN Authentication Application',
    script: MFA_PAGE_VARS.flatMap((name) => (vars[name] === null ? [] : [`var ${name} = "${vars[name]}";`])),
    body: [
      invalidCode ? '<div id="invalidCode" class="error">Invalid code. Please enter a valid code.</div>' : '',
      '<form method="post" id="mfa-form">',
      '\t<input type="text" name="mfa-code" id="mfa-code" maxlength="6" />',
      '\t<input type="hidden" name="embed" value="true"/>',
      `\t<input type="hidden" name="_csrf"    value="${csrf}" />`,
      '\t<input type="hidden" name="fromPage" value="setupEnterMfaCode"/>',
      '</form>',
    ],
  });
}

export function cloudflareBlockPage(status: 403 | 429): string {
  const title =
    status === 429
      ? 'Access denied | sso.garmin.com used Cloudflare to restrict access'
      : 'Attention Required! | Cloudflare';
  const detail = status === 429 ? 'error code: 1015 — You are being rate limited' : 'error code: 1020';
  return `<!DOCTYPE html>
<html lang="en-US"><head><title>${title}</title></head>
<body><div class="cf-error-details"><h1>Access denied</h1><p>${detail}</p></div></body></html>`;
}
