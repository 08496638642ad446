/**
 * Shapes of the collector's HTTP answers, shared by the collector (which
 * produces them) and clients and tests (which read them).
 */
import type { ApiErrorCode, MergeReason, RejectionCode, WarningCode } from './constants.js';
import type { JsonObject, Message, MessageType } from './messages.js';

/** One problem with a request, naming the field by its path. */
export interface ApiIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/** Every 4xx/5xx answer has this body. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: ApiIssue[] };
}

/** One message of a batch that was refused, and why. */
export interface RejectedMessage {
  index: number;
  messageId: string | null;
  code: RejectionCode;
  path: (string | number)[];
  message: string;
}

/** The 200 answer to an ingest request. `success` is Segment's field. */
export interface IngestResponse {
  success: true;
  /** Messages newly stored. */
  accepted: number;
  /** Messages whose messageId the source had sent before: acknowledged, not stored again. */
  duplicates: number;
  rejected: RejectedMessage[];
}

export interface EventWarning {
  code: WarningCode;
  detail: string | null;
}

/** An event as the admin API returns it: the message as stored, plus what the collector added. */
export interface StoredEvent {
  messageId: string;
  type: MessageType;
  source: string;
  receivedAt: string;
  /** The canonical profile the event belongs to, or null when unattached. */
  profileId: string | null;
  warnings: EventWarning[];
  message: Message;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface ProfileIdentifier {
  type: string;
  value: string;
  firstSeen: string;
  contested: boolean;
}

export interface ConsentState {
  [category: string]: { granted: boolean; at: string };
}

export interface Profile {
  id: string;
  identifiers: ProfileIdentifier[];
  traits: JsonObject;
  traitTimestamps: Record<string, string>;
  consent: ConsentState;
  firstSeen: string;
  lastSeen: string;
  eventCount: number;
  holdingFor: string | null;
}

/**
 * One entry of a profile's merge history: a merge (`active` until undone), the
 * record of an unmerge, or a link that was refused (`refused` names the warning code).
 */
export interface MergeRecord {
  survivor: string;
  merged: string;
  messageId: string | null;
  reason: MergeReason;
  active: boolean;
  refused: WarningCode | null;
  at: string;
}

export interface DeletionResult {
  deletionId: string;
  profiles: number;
  identifiers: number;
  events: number;
  traitWrites: number;
  consentRecords: number;
  merges: number;
  suppressed: number;
}

/** One erasure in the audit log: when and how much, never whom. */
export interface DeletionRecord extends DeletionResult {
  /** When the erasure ran (collector clock, ISO 8601). */
  at: string;
  /** Events dropped since then because they carried an identifier this erasure suppressed. */
  droppedEvents: number;
}

/** Drops counted on one suppression entry; the entry is named by a prefix of its sha-256, never by the identifier. */
export interface SuppressionStat {
  /** First hex characters of sha-256 of `type:value`, as in the `suppressed` warning's detail. */
  hashPrefix: string;
  droppedEvents: number;
  /** receivedAt of the last event this entry dropped. */
  lastDroppedAt: string;
}
