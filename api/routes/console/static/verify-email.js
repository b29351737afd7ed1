/* global document, location, fetch, URLSearchParams */
// The page behind the verification email's link. It confirms only when the person clicks, so a
// link scanner or preview that fetches the URL does not use the token up.
const token = new URLSearchParams(location.search).get('token');
const form = document.getElementById('verify');
const result = document.getElementById('result');

if (!token) {
  form.hidden = true;
  result.textContent = 'This link has no token. Open the link from the email again.';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button');
  button.disabled = true;
  result.textContent = 'Verifying…';
  try {
    const res = await fetch('/api/v1/auth/verify-email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (res.ok) {
      form.hidden = true;
      result.textContent = 'Your email address is verified. You can sign in now.';
      result.className = 'ok';
    } else {
      const body = await res.json().catch(() => ({}));
      result.textContent = `Not verified: ${body.error?.message ?? res.statusText}`;
      result.className = 'error';
      button.disabled = false;
    }
  } catch {
    result.textContent = 'The server could not be reached. Try again.';
    result.className = 'error';
    button.disabled = false;
  }
});
