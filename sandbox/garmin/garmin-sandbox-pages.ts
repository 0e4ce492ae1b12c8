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

export function embedPage(): string {
  return `<!DOCTYPE html>
<html class="no-js">
	<head>
		<title>GAuth Embedded Version</title>
		<meta charset="utf-8">
	</head>
	<body><div id="GAuth-component"></div></body>
</html>`;
}

export function signinPage(csrf: string, status: '' | 'FAIL'): string {
  return `<!DOCTYPE html>
<html class="no-js">
	<head>
		<title>GARMIN Authentication Application</title>
		<meta charset="utf-8">
		<script type="text/javascript">
			var status = "${status}";
		</script>
	</head>
	<body>
		<form method="post" id="login-form">
			<input type="email" name="username" id="username" />
			<input type="password" name="password" id="password" />
			<input type="hidden" name="embed" value="true"/>
			<input type="hidden" name="_csrf" value="${csrf}" />
			<button type="submit" id="login-btn-signin">Sign In</button>
		</form>
	</body>
</html>`;
}

export function successPage(ssoOrigin: string, ticket: string): string {
  const embed = `${ssoOrigin}/sso/embed`;
  return `<!DOCTYPE html>
<html class="no-js">
	<head>
		<title>Success</title>
		<meta charset="utf-8">
		<script type="text/javascript">
			var redirectAfterAccountLoginUrl 	  = "${escapeJs(embed)}";
			var service_url                  	  = "${escapeJs(embed)}";
			var response_url                 	  = "${escapeJs(`${embed}?ticket=${ticket}`)}";
			var logintoken                   	  = "";
			var service_ticket = response_url.substring(response_url.indexOf('ticket=') + 7, response_url.length);
		</script>
	</head>
	<body></body>
</html>`;
}

export interface MfaPageVars {
  readonly customerGuid: string;
  readonly mfaMethod: string;
  readonly locale: string;
  readonly clientId: string;
  /** Present only when a code has been sent for this session (§4.4 step 3). */
  readonly codeSentTo: string | null;
}

/**
 * The widget MFA page. Email/SMS pages carry the generic title (python-garminconnect PR #371);
 * the TOTP page keeps "Enter MFA code for login" (§7).
 */
export function mfaPage(csrf: string, invalidCode: boolean, vars: MfaPageVars): string {
  const title = vars.mfaMethod === 'totp' ? 'Enter MFA code for login' : 'GARMIN Authentication Application';
  return `<!DOCTYPE html>
<html class="no-js">
	<head>
		<title>${title}</title>
		<meta charset="utf-8">
		<script type="text/javascript">
			var customerGuid = "${vars.customerGuid}";
			var mfaMethod = "${vars.mfaMethod}";
			var locale = "${vars.locale}";
			var clientId = "${vars.clientId}";
${
  vars.codeSentTo
    ? `			var codeSentTo = "${vars.codeSentTo}";
`
    : ''
}		</script>
	</head>
	<body>
		${invalidCode ? '<div id="invalidCode" class="error">Invalid code. Please enter a valid code.</div>' : ''}
		<form method="post" id="mfa-form">
			<input type="text" name="mfa-code" id="mfa-code" maxlength="6" />
			<input type="hidden" name="embed" value="true"/>
			<input type="hidden" name="_csrf"    value="${csrf}" />
			<input type="hidden" name="fromPage" value="setupEnterMfaCode"/>
		</form>
	</body>
</html>`;
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
