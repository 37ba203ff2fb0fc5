import { DomainError } from './errors.js';

// The two refusals every call naming a contact can meet, worded and coded once.

/** 404 `contact_not_found`: the id names no contact of this project. */
export function contactNotFound(contactId: string): DomainError {
  return new DomainError('contact_not_found', `no contact ${contactId} in this project`);
}

/**
 * 409 `contact_already_merged`: the contact was merged into another one; `instead` tells the caller what to do
 * (e.g. "change that one instead"). `mergedInto` names the survivor when the caller read it.
 */
export function contactAlreadyMerged(contactId: string, mergedInto: string | null | undefined, instead: string): DomainError {
  const into = mergedInto ? `into ${mergedInto}` : 'into another contact';
  return new DomainError('contact_already_merged', `contact ${contactId} was merged ${into}; ${instead}`);
}

/** The one check: a locked or read contact must exist and be active. */
export function assertActiveContact<C extends { state: string; merged_into?: string | null }>(
  contactId: string,
  contact: C | undefined | null,
  instead: string,
): asserts contact is C {
  if (!contact) throw contactNotFound(contactId);
  if (contact.state !== 'active') throw contactAlreadyMerged(contactId, contact.merged_into, instead);
}
