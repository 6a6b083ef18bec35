// The console's sign-in: the admin key goes to POST /console/session, which sets the
// session cookie; the console page is then loaded. See docs/console.md.

const form = document.getElementById("signin-form");
const input = document.getElementById("admin-key");
const message = document.getElementById("signin-message");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  message.textContent = "";
  let answer;
  try {
    answer = await fetch("/console/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: input.value }),
    });
  } catch {
    message.textContent = "The server could not be reached.";
    return;
  }
  if (answer.ok) {
    window.location.assign("/console");
    return;
  }
  const body = await answer.json().catch(() => null);
  message.textContent = body?.error?.message ?? `sign-in failed (${answer.status})`;
  input.setAttribute("aria-invalid", "true");
  input.focus();
});
