// Generated from schemas/ by `npm run generate`; do not edit. A spec fails when it drifts.

/**
 * An organization is granted access to the listed categories of the case's events, for a stated purpose: from now on it receives the events of those categories, until validUntil or an AccessRevoked. It may grant that access onwards only when mayDelegate is true, and never beyond what it holds itself.
 */
export interface AccessGrantedV1 {
  /**
   * The grantee
   */
  organization: string;
  /**
   * The categories of events the grantee may receive
   *
   * @minItems 1
   */
  categories: [
    (
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    ),
    ...(
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    )[]
  ];
  /**
   * What the grantee may use the data for
   */
  purpose: string;
  /**
   * The organization that grants the access
   */
  grantedBy: string;
  /**
   * Whether the grantee may grant this access onwards to another organization
   */
  mayDelegate?: boolean;
  /**
   * When the access ends by itself; absent: until revoked
   */
  validUntil?: string;
}

/**
 * An organization is granted access to the listed categories of the case’s events, for the purposes it names from the federation’s catalogue (GET /federation/purposes): from now on it receives the events of those categories, and may read the case for those purposes, until validUntil or an AccessRevoked. It may grant that access onwards only when mayDelegate is true, and never beyond what it holds itself. A grant naming no purposes (every version 1 grant) serves service-delivery.
 */
export interface AccessGrantedV2 {
  /**
   * The grantee
   */
  organization: string;
  /**
   * The categories of events the grantee may receive
   *
   * @minItems 1
   */
  categories: [
    (
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    ),
    ...(
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    )[]
  ];
  /**
   * The purposes from the federation’s catalogue the grantee may read the case for (eligibility-check, service-delivery, audit); absent: service-delivery
   *
   * @minItems 1
   */
  purposes?: [string, ...string[]];
  /**
   * What the grantee may use the data for, in plain words
   */
  purpose: string;
  /**
   * The organization that grants the access
   */
  grantedBy: string;
  /**
   * Whether the grantee may grant this access onwards to another organization
   */
  mayDelegate?: boolean;
  /**
   * When the access ends by itself; absent: until revoked
   */
  validUntil?: string;
}

/**
 * The listed categories are withdrawn from an organization's access to the case: from now on it receives no further event of those categories; what it already received is not recalled, and categories not listed stay granted.
 */
export interface AccessRevokedV1 {
  /**
   * The organization whose access is revoked
   */
  organization: string;
  /**
   * The categories revoked
   *
   * @minItems 1
   */
  categories: [
    (
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    ),
    ...(
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    )[]
  ];
  /**
   * The organization that revokes the access
   */
  revokedBy: string;
  /**
   * Why the access is revoked
   */
  reason?: string;
}

/**
 * The citizen's postal address changes from effectiveFrom, given as a single free-text line. Superseded by v2 (structured address), which new events should use; v1 events are upcast to v2 when read.
 */
export interface AddressChangedV1 {
  /**
   * The citizen who moves, by pseudonym
   */
  citizen: string;
  /**
   * The new postal address, as one line
   */
  address: string;
  /**
   * The first day the new address applies
   */
  effectiveFrom: string;
}

/**
 * The citizen's postal address changes from effectiveFrom, given as a structured address, with who reported it. v1 events are upcast to v2 when read: line1 = the v1 address string, locality = "", postalCode = "", country = "ZZ" (unknown), source = "citizen"; that is why locality and postalCode may be empty here.
 */
export interface AddressChangedV2 {
  /**
   * The citizen who moves, by pseudonym
   */
  citizen: string;
  /**
   * The new postal address
   */
  address: {
    /**
     * Street address: number, street, unit; for an upcast v1 event, the whole v1 address
     */
    line1: string;
    /**
     * Additional address line
     */
    line2?: string;
    /**
     * City or municipality; empty only for an upcast v1 event
     */
    locality: string;
    /**
     * Province, state or region
     */
    region?: string;
    /**
     * Postal code; empty only for an upcast v1 event
     */
    postalCode: string;
    /**
     * ISO 3166-1 alpha-2 country code; ZZ (user-assigned) for unknown, as in an upcast v1 event
     */
    country: string;
  };
  /**
   * The first day the new address applies
   */
  effectiveFrom: string;
  /**
   * Who reported the change: the citizen themself, a registry, or an agent
   */
  source: "citizen" | "registry" | "agent";
}

/**
 * An organization adds an annotation to the case: an audit note, a correction of an earlier event (events are never changed), or a plain note. It is the only event a closed case accepts (audit annotations).
 */
export interface AnnotationAddedV1 {
  /**
   * Identifies the annotation
   */
  annotationId: string;
  /**
   * The organization that annotates
   */
  author: string;
  /**
   * The annotation
   */
  text: string;
  /**
   * When the annotation was written
   */
  addedAt: string;
  /**
   * audit: made while auditing the case; correction: corrects an earlier event; note: anything else
   */
  kind: "audit" | "correction" | "note";
  /**
   * The id of the event the annotation concerns, e.g. the one a correction corrects
   */
  about?: string;
}

/**
 * An appointment is set for the citizen with an organization, at a given time and through a given channel (counter for in person, phone, ...); location applies to in-person appointments.
 */
export interface AppointmentScheduledV1 {
  /**
   * Identifies the appointment
   */
  appointmentId: string;
  /**
   * When the appointment starts
   */
  at: string;
  /**
   * Planned length, in minutes
   */
  durationMinutes: number;
  /**
   * How the appointment takes place
   */
  channel: "counter" | "phone" | "web" | "mobile" | "mail" | "email" | "sms" | "chat";
  /**
   * Where, for an in-person appointment
   */
  location?: string;
  /**
   * The organization the citizen meets
   */
  with: string;
}

/**
 * The case is closed, with its resolution. A closed case accepts nothing but AnnotationAdded.
 */
export interface CaseClosedV1 {
  /**
   * The organization that closes the case
   */
  closedBy: string;
  /**
   * When the case was closed
   */
  closedAt: string;
  /**
   * How the case ended
   */
  resolution: "resolved" | "withdrawn" | "transferred-out" | "abandoned";
  /**
   * A short account of how the case ended
   */
  summary?: string;
}

/**
 * An organization opens a case file for a citizen and becomes its owner. Nothing else may happen to a case before it is opened.
 */
export interface CaseOpenedV1 {
  /**
   * A member organization of the federation, lower-case dotted, e.g. qc.ramq
   */
  owner: string;
  /**
   * The citizen, by a pseudonym the owner keeps
   */
  citizen: string;
  title: string;
  openedAt: string;
  /**
   * A reference in another organization's own system
   */
  externalReference?: string;
}

/**
 * Ownership of the case passes from its current owner to another organization, which becomes the owner. from must be the case's current owner and differ from to: rules on the case's history, beyond what this schema can check.
 */
export interface CaseTransferredV1 {
  /**
   * The current owner
   */
  from: string;
  /**
   * The new owner
   */
  to: string;
  /**
   * Why the case is transferred
   */
  reason: string;
  /**
   * When ownership passes
   */
  transferredAt: string;
}

/**
 * The citizen consents to an organization receiving the listed categories of their case for a stated purpose. The consent holds from recordedAt until expiresAt, if given, or until a ConsentWithdrawn with the same consentId.
 */
export interface ConsentRecordedV1 {
  /**
   * Identifies the consent; a ConsentWithdrawn names it
   */
  consentId: string;
  /**
   * The citizen who consents, by pseudonym
   */
  citizen: string;
  /**
   * The organization the citizen consents to share with
   */
  grantedTo: string;
  /**
   * The categories of the case the consent covers
   *
   * @minItems 1
   */
  categories: [
    (
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    ),
    ...(
      | "case"
      | "consent"
      | "service"
      | "documents"
      | "contact"
      | "appointments"
      | "decisions"
      | "payments"
      | "satisfaction"
    )[]
  ];
  /**
   * The purpose the citizen consented to, as presented to them
   */
  purpose: string;
  /**
   * When the citizen gave the consent
   */
  recordedAt: string;
  /**
   * When the consent lapses by itself; absent: until withdrawn
   */
  expiresAt?: string;
  /**
   * How the citizen gave the consent
   */
  channel: "counter" | "phone" | "web" | "mobile" | "mail" | "email" | "sms" | "chat";
}

/**
 * The citizen withdraws the consent recorded under consentId: from withdrawnAt it no longer justifies sharing with the organization it was given to. The withdrawal is not retroactive.
 */
export interface ConsentWithdrawnV1 {
  /**
   * The consentId of the ConsentRecorded withdrawn
   */
  consentId: string;
  /**
   * The citizen who withdraws, by pseudonym; the same who consented
   */
  citizen: string;
  /**
   * When the citizen withdrew the consent
   */
  withdrawnAt: string;
  /**
   * How the citizen withdrew it
   */
  channel: "counter" | "phone" | "web" | "mobile" | "mail" | "email" | "sms" | "chat";
}

/**
 * An organization renders a decision on the case: approved, rejected, partially approved, or referred to another body, with its reasons. The citizen may appeal until appealUntil, when given.
 */
export interface DecisionRenderedV1 {
  /**
   * Identifies the decision
   */
  decisionId: string;
  /**
   * What was decided
   */
  outcome: "approved" | "rejected" | "partially-approved" | "referred";
  /**
   * The organization that decides
   */
  decidedBy: string;
  /**
   * When the decision was rendered
   */
  decidedAt: string;
  /**
   * The reasons for the decision, as stated to the citizen
   *
   * @maxItems 20
   */
  reasons:
    | []
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string, string, string, string]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ];
  /**
   * The last day the citizen may appeal
   */
  appealUntil?: string;
}

/**
 * A document is attached to the case by reference: the document itself never travels through the hub, only this description of it. The holder keeps it in its own system at location and serves it to entitled organizations, who check it against sha256.
 */
export interface DocumentAttachedV1 {
  /**
   * Identifies the document within the case
   */
  documentId: string;
  /**
   * What the document is
   */
  kind: "identity-proof" | "income-statement" | "medical-certificate" | "decision-letter" | "other";
  /**
   * The document's media type, type/subtype in lower case, without parameters, e.g. application/pdf
   */
  mediaType: string;
  /**
   * The document's size in bytes
   */
  size: number;
  /**
   * The SHA-256 digest of the document's bytes
   */
  sha256: string;
  /**
   * Where the document is in the holder's own system; never its content
   */
  location: string;
  /**
   * The organization that holds the document and serves it
   */
  holder: string;
}

/**
 * An organization is invited to take part in the case, as a contributor (publishes events to it) or an observer (only receives). The invitation by itself grants access to no category of data: what the participant receives is set by AccessGranted.
 */
export interface ParticipantInvitedV1 {
  /**
   * The invited organization
   */
  organization: string;
  /**
   * contributor: may publish events to the case; observer: only receives them
   */
  role: "contributor" | "observer";
  /**
   * The organization that invites, normally the case owner
   */
  invitedBy: string;
  /**
   * Why the organization is invited
   */
  reason: string;
}

/**
 * An organization issues a payment to the citizen on the case. The amount is a decimal string with its currency, never a float; reference identifies the payment in the issuer's own system.
 */
export interface PaymentIssuedV1 {
  /**
   * Identifies the payment
   */
  paymentId: string;
  /**
   * The amount paid
   */
  amount: {
    /**
     * Decimal amount as a string, never a float
     */
    amount: string;
    currency: string;
  };
  /**
   * The organization that pays
   */
  issuedBy: string;
  /**
   * When the payment was issued
   */
  issuedAt: string;
  /**
   * How the payment is made
   */
  method: "transfer" | "cheque" | "card";
  /**
   * The payment in the issuer's own system
   */
  reference: string;
}

/**
 * The citizen rates the service received, from 1 (very dissatisfied) to 5 (very satisfied), with an optional comment. The comment is free text that must carry no personal information.
 */
export interface SatisfactionRecordedV1 {
  /**
   * 1 (very dissatisfied) to 5 (very satisfied)
   */
  score: number;
  /**
   * The channel the citizen used, which is rated
   */
  channel: "counter" | "phone" | "web" | "mobile" | "mail" | "email" | "sms" | "chat";
  /**
   * The citizen's comment, free of personal information
   */
  comment?: string;
  /**
   * When the citizen answered
   */
  recordedAt: string;
  /**
   * The citizen who answered, by pseudonym
   */
  respondent: string;
}

/**
 * A service is requested on the case from the organization expected to deliver it. The request grants the provider no access by itself: that takes AccessGranted.
 */
export interface ServiceRequestedV1 {
  /**
   * The service's code in the provider's catalogue
   */
  service: string;
  /**
   * What is requested, in plain words
   */
  description: string;
  /**
   * When the service was requested
   */
  requestedAt: string;
  /**
   * The organization expected to deliver the service
   */
  provider: string;
}

/**
 * A service is requested on the case from the organization expected to deliver it, optionally with the coarse, non-identifying segment the requester belongs to (for measuring the service by segment). The request grants the provider no access by itself: that takes AccessGranted. Version 1 events are read as version 2 with no segment.
 */
export interface ServiceRequestedV2 {
  /**
   * The service's code in the provider's catalogue
   */
  service: string;
  /**
   * What is requested, in plain words
   */
  description: string;
  /**
   * When the service was requested
   */
  requestedAt: string;
  /**
   * The organization expected to deliver the service
   */
  provider: string;
  /**
   * Who requests, coarsely and never identifyingly: individual or business, optionally an age band and a region. Omit it when unknown.
   */
  segment?: {
    /**
     * Whether the requester is a person or a business
     */
    audience: "individual" | "business";
    /**
     * A coarse age band, for an individual
     */
    ageBand?: "0-17" | "18-24" | "25-44" | "45-64" | "65+";
    /**
     * An administrative region: a two-letter province or state code and the region's short code, e.g. qc-06
     */
    region?: string;
  };
}

/** The data type of each event type, by CloudEvents `type`. */
export interface CaseEventDataByType {
  'passerelle.case.AccessGranted.v1': AccessGrantedV1;
  'passerelle.case.AccessGranted.v2': AccessGrantedV2;
  'passerelle.case.AccessRevoked.v1': AccessRevokedV1;
  'passerelle.case.AddressChanged.v1': AddressChangedV1;
  'passerelle.case.AddressChanged.v2': AddressChangedV2;
  'passerelle.case.AnnotationAdded.v1': AnnotationAddedV1;
  'passerelle.case.AppointmentScheduled.v1': AppointmentScheduledV1;
  'passerelle.case.CaseClosed.v1': CaseClosedV1;
  'passerelle.case.CaseOpened.v1': CaseOpenedV1;
  'passerelle.case.CaseTransferred.v1': CaseTransferredV1;
  'passerelle.case.ConsentRecorded.v1': ConsentRecordedV1;
  'passerelle.case.ConsentWithdrawn.v1': ConsentWithdrawnV1;
  'passerelle.case.DecisionRendered.v1': DecisionRenderedV1;
  'passerelle.case.DocumentAttached.v1': DocumentAttachedV1;
  'passerelle.case.ParticipantInvited.v1': ParticipantInvitedV1;
  'passerelle.case.PaymentIssued.v1': PaymentIssuedV1;
  'passerelle.case.SatisfactionRecorded.v1': SatisfactionRecordedV1;
  'passerelle.case.ServiceRequested.v1': ServiceRequestedV1;
  'passerelle.case.ServiceRequested.v2': ServiceRequestedV2;
}

export type CaseEventType = keyof CaseEventDataByType;
