import { Component, type ErrorInfo, type ReactNode } from 'react';

/** ErrorBoundary shows a failure of the app itself in words, with a way
 * out, instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('the app failed to render', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="center" role="alert">
        <div>
          <h1>Something went wrong in Fechatter</h1>
          <p>{this.state.error.message}</p>
          <p className="hint">Your messages are safe on the server, and unsent ones wait on this device.</p>
          <button className="btn primary" onClick={() => location.reload()}>Reload</button>
        </div>
      </main>
    );
  }
}
