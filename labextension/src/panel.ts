/**
 * The diagnostics side panel: the findings of the current notebook, grouped by cell.
 */
import { NotebookPanel } from '@jupyterlab/notebook';
import { dsqualityIcon } from './icons';
import { Widget } from '@lumino/widgets';

import { IDiagnostic } from './api';

/** What the panel shows for one notebook. */
export interface ILintState {
  status: 'running' | 'done' | 'error';
  diagnostics: IDiagnostic[];
  error?: string;
  /** Milliseconds the request took. */
  elapsed?: number;
}

/** Called when a finding is clicked. */
export type RevealHandler = (panel: NotebookPanel, diagnostic: IDiagnostic) => void;

/** Findings grouped by cell (`null`: about the whole notebook), in cell order. */
export function groupByCell(diagnostics: IDiagnostic[]): Array<[number | null, IDiagnostic[]]> {
  const groups = new Map<number | null, IDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    const key = diagnostic.cell ?? null;
    const group = groups.get(key) ?? [];
    group.push(diagnostic);
    groups.set(key, group);
  }
  return [...groups.entries()].sort(([a], [b]) => (a ?? 0) - (b ?? 0));
}

export class DiagnosticsPanel extends Widget {
  constructor(private readonly reveal: RevealHandler) {
    super();
    this.id = 'dsquality-diagnostics';
    this.addClass('dsq-DiagnosticsPanel');
    this.title.icon = dsqualityIcon;
    this.title.caption = 'dsquality diagnostics';
    this.render();
  }

  /** Show `state` for `notebook` (nothing to show: `state` undefined). */
  display(notebook: NotebookPanel | null, state: ILintState | undefined): void {
    this.notebook = notebook;
    this.state = state;
    this.render();
  }

  get current(): NotebookPanel | null {
    return this.notebook;
  }

  private render(): void {
    const node = this.node;
    node.replaceChildren();
    const header = document.createElement('header');
    header.className = 'dsq-DiagnosticsPanel-header';
    const title = document.createElement('h2');
    title.textContent = 'dsquality';
    header.appendChild(title);
    const subtitle = document.createElement('div');
    subtitle.className = 'dsq-DiagnosticsPanel-notebook';
    subtitle.textContent = this.notebook ? this.notebook.context.localPath : 'No notebook';
    header.appendChild(subtitle);
    node.appendChild(header);

    const status = document.createElement('div');
    status.className = 'dsq-DiagnosticsPanel-status';
    node.appendChild(status);
    const state = this.state;
    if (!this.notebook) {
      status.textContent = 'Open a notebook to see its findings.';
      return;
    }
    if (!state) {
      status.textContent = 'Not linted yet: run "Lint notebook" (Ctrl/Cmd+Shift+L).';
      return;
    }
    if (state.status === 'running') {
      status.textContent = 'Linting…';
      status.classList.add('dsq-mod-running');
      if (state.diagnostics.length === 0) {
        return;
      }
    } else if (state.status === 'error') {
      status.textContent = `Lint failed: ${state.error}`;
      status.classList.add('dsq-mod-error');
      return;
    } else if (state.diagnostics.length === 0) {
      status.textContent = 'No problems found.';
      status.classList.add('dsq-mod-clean');
      return;
    } else {
      const count = state.diagnostics.length;
      const time = state.elapsed !== undefined ? ` (${Math.round(state.elapsed)} ms)` : '';
      status.textContent = `${count} finding${count === 1 ? '' : 's'}${time}`;
    }

    const list = document.createElement('div');
    list.className = 'dsq-DiagnosticsPanel-list';
    for (const [cell, diagnostics] of groupByCell(state.diagnostics)) {
      const group = document.createElement('section');
      group.className = 'dsq-DiagnosticsPanel-group';
      const heading = document.createElement('h3');
      heading.textContent = cell === null ? 'Notebook' : `Cell ${cell}`;
      if (cell !== null) {
        heading.classList.add('dsq-mod-clickable');
        heading.onclick = () => this.notebook && this.reveal(this.notebook, diagnostics[0]);
      }
      group.appendChild(heading);
      const items = document.createElement('ul');
      for (const diagnostic of diagnostics) {
        items.appendChild(this.item(diagnostic));
      }
      group.appendChild(items);
      list.appendChild(group);
    }
    node.appendChild(list);
  }

  private item(diagnostic: IDiagnostic): HTMLElement {
    const item = document.createElement('li');
    item.className = `dsq-Diagnostic dsq-mod-${diagnostic.severity}`;
    item.dataset.code = diagnostic.code;
    item.dataset.cell = diagnostic.cell === null ? '' : String(diagnostic.cell);
    item.title = `${diagnostic.code} ${diagnostic.name} (${diagnostic.severity}): ${diagnostic.message}`;
    const code = document.createElement('span');
    code.className = 'dsq-Diagnostic-code';
    code.textContent = diagnostic.code;
    const name = document.createElement('span');
    name.className = 'dsq-Diagnostic-name';
    name.textContent = diagnostic.name;
    const where = document.createElement('span');
    where.className = 'dsq-Diagnostic-where';
    const cell = diagnostic.cell === null ? '' : `cell ${diagnostic.cell}`;
    const line = diagnostic.line === null ? '' : `, line ${diagnostic.line}`;
    where.textContent = cell + line;
    const message = document.createElement('div');
    message.className = 'dsq-Diagnostic-message';
    message.textContent = diagnostic.message;
    item.append(code, name, where, message);
    if (diagnostic.cell !== null) {
      item.classList.add('dsq-mod-clickable');
      item.onclick = () => this.notebook && this.reveal(this.notebook, diagnostic);
    }
    return item;
  }

  private notebook: NotebookPanel | null = null;
  private state: ILintState | undefined = undefined;
}
