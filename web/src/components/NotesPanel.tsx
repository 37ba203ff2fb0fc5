import { useState } from 'react';
import { api } from '../api';
import { formatTime } from '../format';
import { useAction, useLoad } from '../hooks';
import { ErrorNote } from './ErrorNote';

export function NotesPanel({ contactId }: { contactId: string }) {
  const notes = useLoad(() => api.notes(contactId), [contactId]);
  const add = useAction();
  const [text, setText] = useState('');
  return (
    <section aria-labelledby="notes-title">
      <h2 id="notes-title">Notes</h2>
      <ErrorNote error={notes.error} />
      {notes.data && notes.data.items.length === 0 ? <p className="muted">No notes.</p> : null}
      <ul className="list notes">
        {notes.data?.items.map((note) => (
          <li key={note.id}>
            <p>{note.text}</p>
            <span className="muted">
              {formatTime(note.created_at)}
              {note.author ? ` · ${note.author}` : ''}
            </span>
          </li>
        ))}
      </ul>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (await add.run(() => api.addNote(contactId, text))) {
            setText('');
            notes.reload();
          }
        }}
      >
        <label>
          New note
          <textarea value={text} onChange={(e) => setText(e.target.value)} rows={2} />
        </label>
        <button type="submit" disabled={add.pending || text.trim() === ''}>
          Add note
        </button>
      </form>
      <ErrorNote error={add.error} />
    </section>
  );
}
