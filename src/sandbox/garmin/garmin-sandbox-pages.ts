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

export function mfaPage(csrf: string, invalidCode: boolean, mfaMethod: string, codeSentTo: string): string {
  return `<!DOCTYPE html>
<html class="no-js">
	<head>
		<title>Enter MFA code for login</title>
		<meta charset="utf-8">
		<script type="text/javascript">
			var mfaMethod = "${mfaMethod}";
			var codeSentTo = "${codeSentTo}";
			var locale = "en";
		</script>
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
  const title = status === 429 ? 'Access denied | sso.garmin.com used Cloudflare to restrict access' : 'Attention Required! | Cloudflare';
  const detail = status === 429 ? 'error code: 1015 — You are being rate limited' : 'error code: 1020';
  return `<!DOCTYPE html>
<html lang="en-US"><head><title>${title}</title></head>
<body><div class="cf-error-details"><h1>Access denied</h1><p>${detail}</p></div></body></html>`;
}
