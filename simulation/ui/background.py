"""Running work in a background thread that may update a session's reactive state.

Solara keeps reactive state per browser session (its kernel context); a plain thread has none, so the
thread is given the context of the session that started it.
"""

from __future__ import annotations

import threading

from solara.server import kernel_context


def start_thread(target, *args, name: str = "wom-ui") -> threading.Thread:
    """Start `target(*args)` in a daemon thread bound to the current Solara session (if any)."""
    context = kernel_context.get_current_context() if kernel_context.has_current_context() else None
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    if context is not None:
        kernel_context.set_context_for_thread(context, thread)
    thread.start()
    return thread
