import { Component, type ReactNode } from 'react';

/** A failure in one part of the page shows a message there instead of a blank page. */
export class ErrorBoundary extends Component<{ name: string; children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (this.state.error) {
      return (
        <div role="alert" className="panel error-panel">
          <strong>{this.props.name} failed:</strong> {this.state.error.message}{' '}
          <button type="button" onClick={() => this.setState({ error: undefined })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
