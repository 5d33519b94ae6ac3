// DCSA Track & Trace events as people read them, and a booking's tracking as the API gives it.

export interface DcsaEvent {
  metadata: { eventID: string; eventType: "TRANSPORT" | "EQUIPMENT" | "SHIPMENT" | string; eventCreatedDateTime?: string };
  payload: {
    eventClassifierCode?: "ACT" | "EST" | "PLN" | string;
    eventDateTime: string;
    transportEventTypeCode?: string;
    equipmentEventTypeCode?: string;
    shipmentEventTypeCode?: string;
    equipmentReference?: string;
    isTransshipmentMove?: boolean;
    emptyIndicatorCode?: string;
    transportCall?: { departureID?: string; location?: { placeID?: string; UNLocationCode?: string } };
    documentTypeCode?: string;
    [key: string]: unknown;
  };
}

export interface Tracking {
  booking_id: string;
  status: string;
  transport_status: string;
  position: { departure_id: string; stop_index: number; place_id: string; UNLocationCode?: string | null; event: string; at: string; departed_at?: string | null } | null;
  eta: { p10: string; p50: string; p90: string; scheduled: string; schedule_only: string; place_id: string; predicted_from: string; model_version: string; predicted_at: string; as_of: string } | null;
  events: DcsaEvent[];
}

const CODES: Record<string, string> = {
  ARRI: "Train arrived",
  DEPA: "Train departed",
  GTIN: "Gated in",
  GTOT: "Gated out",
  LOAD: "Loaded on the train",
  DISC: "Discharged",
  STUF: "Stuffed",
  STRP: "Stripped",
  PICK: "Picked up",
  DROP: "Dropped off",
  INSP: "Inspected",
  RSEA: "Resealed",
  RMVD: "Removed",
  RECE: "Booking received",
  CONF: "Booking confirmed",
  ISSU: "Document issued",
  CANC: "Cancelled",
};
const CLASSIFIERS: Record<string, string> = { ACT: "actual", EST: "estimated", PLN: "planned" };

export interface EventLine {
  id: string;
  at: string;
  text: string;
  classifier: string;
}

/** One line per event, in event time: what happened, to which box, where (a place name when known). */
export function eventLines(events: DcsaEvent[], placeName: (id: string) => string | undefined): EventLine[] {
  return events
    .map((e) => {
      const p = e.payload;
      const code = p.transportEventTypeCode ?? p.equipmentEventTypeCode ?? p.shipmentEventTypeCode ?? "";
      let what = CODES[code] ?? code;
      if (code === "DISC" && p.isTransshipmentMove) what = "Discharged for transshipment (gauge change)";
      if (code === "LOAD" && p.isTransshipmentMove) what = "Loaded after transshipment (gauge change)";
      const loc = p.transportCall?.location;
      const where = loc?.placeID ? (placeName(loc.placeID) ?? loc.placeID) : loc?.UNLocationCode;
      const box = p.equipmentReference ? ` ${p.equipmentReference}` : "";
      return {
        id: e.metadata.eventID,
        at: p.eventDateTime,
        text: `${what}${box}${where ? ` at ${where}` : ""}`,
        classifier: CLASSIFIERS[p.eventClassifierCode ?? "ACT"] ?? String(p.eventClassifierCode),
      };
    })
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id.localeCompare(b.id)));
}

export const TRANSPORT_STATUS: Record<string, string> = {
  planned: "planned",
  in_transit: "in transit",
  delivered: "delivered",
};
