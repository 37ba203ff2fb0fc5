import { newContactFields, normalizeContactInput, type ContactInput } from '../domain/contact.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { insertContact, selectContactCard } from '../store/contacts.js';
import { enqueueEvents } from '../store/outbox.js';
import { selectSettings } from '../store/projects.js';
import { applyRules, ruleOutcomeMatters, type RuleOutcome } from './steps/apply-rules.js';
import { contactCardView, type ContactCardView } from './views/contact-card.js';

/** A new contact; the merge rules run on it (docs/rules.md), so the answer may be the older contact it joined. */
export async function createContact(store: Store, projectId: string, input: ContactInput): Promise<ContactCardView & { rules?: RuleOutcome }> {
  return store.transaction(async (tx) => {
    const settings = await selectSettings(tx, projectId);
    const fields = normalizeContactInput(input, settings.default_region);
    const id = newId();
    await insertContact(tx, projectId, id, newContactFields(fields), fields.tags ?? []);
    const contact = contactCardView((await selectContactCard(tx, projectId, id))!);
    await enqueueEvents(tx, projectId, [{ type: 'contact.created', contactId: id, data: { contact, identity: null } }]);
    const rules = await applyRules(tx, projectId, id, settings);
    if (!ruleOutcomeMatters(rules)) return contact;
    if (rules.contact_id === id && rules.merged.length === 0) return { ...contact, rules };
    return { ...contactCardView((await selectContactCard(tx, projectId, rules.contact_id))!), rules };
  });
}
