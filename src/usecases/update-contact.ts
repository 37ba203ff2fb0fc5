import { normalizeContactInput, type ContactInput } from '../domain/contact.js';
import { assertActiveContact } from '../domain/contact-errors.js';
import type { Store } from '../store/database.js';
import { lockContact, replaceTags, selectContactCard, updateContactFields } from '../store/contacts.js';
import { enqueueEvents } from '../store/outbox.js';
import { selectSettings } from '../store/projects.js';
import { applyRules, ruleOutcomeMatters, type RuleOutcome } from './steps/apply-rules.js';
import { contactCardView, type ContactCardView } from './views/contact-card.js';

const MATCHED_FIELDS = ['phone', 'email', 'external_id', 'variables'] as const;

/**
 * Changes the fields given (null clears one); `variables` replaces the whole object, `tags` the whole set.
 * When a field rules read changed, the rules run (docs/rules.md) and the answer is the contact that holds the person.
 */
export async function updateContact(store: Store, projectId: string, contactId: string, input: ContactInput): Promise<ContactCardView & { rules?: RuleOutcome }> {
  return store.transaction(async (tx) => {
    assertActiveContact(contactId, await lockContact(tx, projectId, contactId), 'change that one instead');
    const settings = await selectSettings(tx, projectId);
    const { tags, ...fields } = normalizeContactInput(input, settings.default_region);
    if (Object.keys(fields).length > 0) await updateContactFields(tx, projectId, contactId, fields);
    if (tags !== undefined) await replaceTags(tx, projectId, contactId, tags);
    const contact = contactCardView((await selectContactCard(tx, projectId, contactId))!);
    await enqueueEvents(tx, projectId, [{ type: 'contact.updated', contactId, data: { contact, changed: Object.keys(input) } }]);
    if (!MATCHED_FIELDS.some((f) => f in fields)) return contact;
    const rules = await applyRules(tx, projectId, contactId, settings);
    if (!ruleOutcomeMatters(rules)) return contact;
    if (rules.contact_id === contactId && rules.merged.length === 0) return { ...contact, rules };
    return { ...contactCardView((await selectContactCard(tx, projectId, rules.contact_id))!), rules };
  });
}
