// Last line of defence: a rendering bug shows what happened and a way out instead of a blank window.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Certdesk: the window failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    // Plain elements only: the theme itself may be what failed.
    return (
      <div role="alert" style={{ fontFamily: 'system-ui, sans-serif', padding: 32, maxWidth: 640 }}>
        <h1 style={{ fontSize: 20 }}>Certdesk could not draw this window</h1>
        <p>{error.message}</p>
        <p>Your accounts and certificates are not affected. Reload the window to try again.</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
