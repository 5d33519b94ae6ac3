import { ApiError, api, setSession, type Session } from "../api";
import { field, h, put } from "../dom";
import { DEFAULT_PAGE, href, pageInfo, type Route } from "../router";

interface Me {
  key_id: string;
  role: string;
  customer_id: string | null;
  name: string;
}

export async function render(root: HTMLElement, route: Route): Promise<void> {
  const next = route.query.get("next");
  const input = h("input", {
    type: "password",
    name: "api-key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    placeholder: "lb_…",
  });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "signin-title" },
    field("API key", input, "Operators create keys with `landbridge keys create`; `make run` prints one."),
    error,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const token = input.value.trim();
    if (!token) return;
    try {
      const me = await api<Me>("/v1/me", { token });
      const session: Session = { token, ...me };
      setSession(session);
      const target = next && pageInfo(next) && next !== "signin" ? next : DEFAULT_PAGE;
      location.hash = href(target);
    } catch (err) {
      error.hidden = false;
      error.textContent =
        err instanceof ApiError && err.status === 401
          ? "That key is unknown or revoked. Check it and try again."
          : `Could not sign in: ${err instanceof Error ? err.message : String(err)}`;
      input.focus();
    }
  });
  put(
    root,
    h("h1", { id: "signin-title" }, "Sign in"),
    route.query.get("expired") ? h("p", { class: "error" }, "Your key is no longer accepted; sign in again.") : null,
    h("p", {}, "Sign in with your API key. It stays in this browser tab only."),
    form,
  );
  input.focus();
}
