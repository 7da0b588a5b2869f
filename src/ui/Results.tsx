export function Results() {
  return (
    <section className="results" aria-label="Results">
      <div className="panel">
        <h2>Expert load</h2>
        <p className="placeholder">Tokens per expert, measured on this device, appear here after a run.</p>
      </div>
      <div className="panel">
        <h2>Chip comparison</h2>
        <p className="placeholder">
          Latency, tokens/s per user, energy and $ per token on each chip appear here.
        </p>
      </div>
    </section>
  );
}
