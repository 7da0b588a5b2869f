import { findLesson, LESSONS } from '../scenario';
import { useAppStore } from '../state';

/** The list of lessons, each a link a teacher can hand out. */
export function LessonList() {
  const current = useAppStore((s) => s.extras.lesson);
  return (
    <nav className="panel lesson-list" aria-label="Lessons">
      <h2>Lessons</h2>
      <ol>
        {LESSONS.map((l) => (
          <li key={l.id}>
            <a href={`#lesson=${l.id}`} aria-current={current === l.id ? 'page' : undefined}>
              {l.title}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** The open lesson: its steps, one question, and what to notice (folded, so the class thinks first). */
export function LessonCard() {
  const id = useAppStore((s) => s.extras.lesson);
  const setExtra = useAppStore((s) => s.setExtra);
  const lesson = id ? findLesson(id) : undefined;
  if (!lesson) return null;
  return (
    <section className="panel lesson-card" aria-labelledby="lesson-title" data-testid="lesson-card">
      <div className="lesson-head">
        <h2 id="lesson-title">Lesson: {lesson.title}</h2>
        <button type="button" onClick={() => setExtra('lesson', undefined)} aria-label="Close the lesson">
          ×
        </button>
      </div>
      <ol>
        {lesson.steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      <p className="lesson-question">
        <strong>Question:</strong> {lesson.question}
      </p>
      <details>
        <summary>What to notice</summary>
        <p>{lesson.notice}</p>
      </details>
    </section>
  );
}
