import { ApiError } from "./api";
import { h } from "./dom";

/** An alert box for an error: the server's message and, per field, what is wrong (with did-you-mean). */
export function errorBox(err: unknown): HTMLElement {
  const box = h("div", { class: "error", role: "alert" });
  if (err instanceof ApiError) {
    box.append(h("p", {}, err.message));
    if (err.problem.errors.length) {
      box.append(
        h(
          "ul",
          {},
          err.problem.errors.map((e) =>
            h(
              "li",
              {},
              e.field ? `${e.field.replace(/^body\./, "")}: ${cleanMessage(e.message)}` : cleanMessage(e.message),
              e.suggestions?.length ? ` (did you mean ${e.suggestions.join(", ")}?)` : "",
            ),
          ),
        ),
      );
    }
  } else {
    box.append(h("p", {}, err instanceof Error ? err.message : String(err)));
  }
  return box;
}

/** The server's message without pydantic's "Value error, " prefix. */
export function cleanMessage(message: string): string {
  return message.replace(/^Value error, /, "");
}

/** Mark the form controls the server named (aria-invalid) and put its message under each, linked with
 * aria-describedby; `nameOf` maps the server's field path (e.g. "body.shipment.goods.hs_code") to a control's
 * name. Returns the first control marked, to focus. */
export function markFields(form: HTMLElement, err: unknown, nameOf: (field: string) => string): HTMLElement | null {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  if (!(err instanceof ApiError)) return null;
  let first: HTMLElement | null = null;
  for (const fe of err.problem.errors) {
    if (!fe.field) continue;
    const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(nameOf(fe.field))}"]`);
    if (!control) continue;
    control.setAttribute("aria-invalid", "true");
    const id = `${control.id}-error`;
    const note = h("small", { class: "error field-error", id }, cleanMessage(fe.message));
    control.insertAdjacentElement("afterend", note);
    const described = (control.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && x !== id);
    control.setAttribute("aria-describedby", [...described, id].join(" "));
    first ??= control;
  }
  return first;
}
