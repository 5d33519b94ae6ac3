import { describe, expect, it } from "vitest";
import { type DcsaEvent, eventLines } from "./tracking";

const ev = (id: string, type: string, payload: Partial<DcsaEvent["payload"]>): DcsaEvent => ({
  metadata: { eventID: id, eventType: type },
  payload: { eventDateTime: "2026-12-01T00:00:00Z", ...payload },
});

describe("tracking events", () => {
  it("reads DCSA events in event time, with the box, the place and planned/estimated marked", () => {
    const names: Record<string, string> = { chongqing: "Chongqing", dostyk: "Dostyk" };
    const lines = eventLines(
      [
        ev("b", "EQUIPMENT", {
          eventDateTime: "2026-12-05T10:00:00Z",
          equipmentEventTypeCode: "DISC",
          isTransshipmentMove: true,
          equipmentReference: "CSQU3054383",
          transportCall: { location: { placeID: "dostyk" } },
        }),
        ev("a", "TRANSPORT", {
          eventDateTime: "2026-12-01T20:00:00Z",
          transportEventTypeCode: "DEPA",
          transportCall: { departureID: "x", location: { placeID: "chongqing" } },
        }),
        ev("c", "TRANSPORT", { eventDateTime: "2026-12-20T08:00:00Z", transportEventTypeCode: "ARRI", eventClassifierCode: "EST", transportCall: { location: { UNLocationCode: "DEDUI" } } }),
      ],
      (id) => names[id],
    );
    expect(lines.map((l) => l.id)).toEqual(["a", "b", "c"]);
    expect(lines[0].text).toBe("Train departed at Chongqing");
    expect(lines[1].text).toBe("Discharged for transshipment (gauge change) CSQU3054383 at Dostyk");
    expect(lines[2].text).toBe("Train arrived at DEDUI");
    expect(lines.map((l) => l.classifier)).toEqual(["actual", "actual", "estimated"]);
  });

  it("keeps unknown codes and places as they are", () => {
    const [l] = eventLines([ev("x", "SHIPMENT", { shipmentEventTypeCode: "ZZZZ", transportCall: { location: { placeID: "nowhere" } } })], () => undefined);
    expect(l.text).toBe("ZZZZ at nowhere");
  });
});
