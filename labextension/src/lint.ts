/**
 * "Lint notebook": command, toolbar button, shortcut (in the settings schema), the diagnostics
 * panel, flagged cells, and lint on save.
 */
import { ILabShell, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, ToolbarButton } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { dsqualityIcon } from './icons';
import { IDisposable } from '@lumino/disposable';

import { IDiagnostic, lintNotebook } from './api';
import { DiagnosticsPanel, ILintState } from './panel';

export const LINT_COMMAND = 'dsquality:lint-notebook';
export const FLAGGED_CLASS = 'dsq-mod-flagged';

/** The plugin's settings (see `schema/plugin.json`). */
interface ISettings {
  lintOnSave: boolean;
  select: string[];
  ignore: string[];
}

const DEFAULTS: ISettings = { lintOnSave: true, select: [], ignore: [] };

export function activateLint(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  palette: ICommandPalette | null,
  settingRegistry: ISettingRegistry | null,
  labShell: ILabShell | null,
  pluginId: string
): void {
  let settings: ISettings = { ...DEFAULTS };
  const states = new WeakMap<NotebookPanel, ILintState>();
  const generations = new WeakMap<NotebookPanel, number>();

  const panel = new DiagnosticsPanel(reveal);
  app.shell.add(panel, 'right', { rank: 900 });

  function update(notebook: NotebookPanel): void {
    markCells(notebook, states.get(notebook)?.diagnostics ?? []);
    if (panel.current === notebook || tracker.currentWidget === notebook) {
      panel.display(notebook, states.get(notebook));
    }
  }

  async function lint(notebook: NotebookPanel): Promise<ILintState> {
    const model = notebook.context.model;
    const generation = (generations.get(notebook) ?? 0) + 1;
    generations.set(notebook, generation);
    const previous = states.get(notebook);
    states.set(notebook, { status: 'running', diagnostics: previous?.diagnostics ?? [] });
    update(notebook);
    const started = performance.now();
    let state: ILintState;
    try {
      const report = await lintNotebook(model.toJSON(), notebook.context.localPath, {
        select: settings.select,
        ignore: settings.ignore
      });
      state = { status: 'done', diagnostics: report.diagnostics, elapsed: performance.now() - started };
    } catch (error) {
      state = { status: 'error', diagnostics: [], error: String((error as Error).message ?? error) };
    }
    if (generations.get(notebook) === generation && !notebook.isDisposed) {
      states.set(notebook, state);
      update(notebook);
    }
    return state;
  }

  function reveal(notebook: NotebookPanel, diagnostic: IDiagnostic): void {
    const index = cellIndex(notebook, diagnostic);
    if (index < 0) {
      return;
    }
    app.shell.activateById(notebook.id);
    const content = notebook.content;
    content.deselectAll();
    content.activeCellIndex = index;
    void content.scrollToItem(index, 'center');
    const cell = content.widgets[index];
    if (cell && diagnostic.line !== null && cell.editor) {
      const line = Math.max(0, Math.min(diagnostic.line - 1, cell.editor.lineCount - 1));
      cell.editor.setCursorPosition({ line, column: Math.max(0, (diagnostic.column ?? 1) - 1) });
    }
  }

  app.commands.addCommand(LINT_COMMAND, {
    label: 'Lint notebook',
    caption: 'Check the notebook with dsquality and list the findings',
    icon: args => (args.isPalette ? undefined : dsqualityIcon),
    isEnabled: () => tracker.currentWidget !== null,
    execute: async args => {
      const notebook = tracker.currentWidget;
      if (!notebook) {
        return;
      }
      if (!args.quiet) {
        app.shell.activateById(panel.id);
        app.shell.activateById(notebook.id);
      }
      return lint(notebook);
    }
  });
  palette?.addItem({ command: LINT_COMMAND, category: 'dsquality', args: { isPalette: true } });

  // The toolbar button.
  app.docRegistry.addWidgetExtension('Notebook', new LintButton(app));

  // Lint on save, per notebook; flagged cells stay in sync when cells move.
  tracker.widgetAdded.connect((_, notebook) => {
    notebook.context.saveState.connect((_, saveState) => {
      if (saveState === 'completed' && settings.lintOnSave) {
        void lint(notebook);
      }
    });
    notebook.context.model.cells.changed.connect(() => update(notebook));
  });
  tracker.currentChanged.connect((_, notebook) => {
    panel.display(notebook, notebook ? states.get(notebook) : undefined);
  });
  labShell?.currentChanged.connect(() => {
    const notebook = tracker.currentWidget;
    if (notebook !== panel.current) {
      panel.display(notebook, notebook ? states.get(notebook) : undefined);
    }
  });

  if (settingRegistry) {
    void settingRegistry
      .load(pluginId)
      .then(loaded => {
        const read = () => {
          const composite = loaded.composite as unknown as Partial<ISettings>;
          settings = {
            lintOnSave: composite.lintOnSave ?? DEFAULTS.lintOnSave,
            select: composite.select ?? DEFAULTS.select,
            ignore: composite.ignore ?? DEFAULTS.ignore
          };
        };
        read();
        loaded.changed.connect(read);
      })
      .catch(error => console.error('dsquality: cannot load the settings', error));
  }
}

/** The index of the cell a finding is about: by cell id when it matches, else by position. */
export function cellIndex(notebook: NotebookPanel, diagnostic: IDiagnostic): number {
  const cells = notebook.content.widgets;
  if (diagnostic.cell_id) {
    const index = cells.findIndex(cell => cell.model.id === diagnostic.cell_id);
    if (index >= 0) {
      return index;
    }
  }
  if (diagnostic.cell === null || diagnostic.cell < 1 || diagnostic.cell > cells.length) {
    return -1;
  }
  return diagnostic.cell - 1;
}

/** Mark the cells with findings (class and tooltip); clear the others. */
function markCells(notebook: NotebookPanel, diagnostics: IDiagnostic[]): void {
  const flagged = new Map<number, IDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    const index = cellIndex(notebook, diagnostic);
    if (index >= 0) {
      flagged.set(index, [...(flagged.get(index) ?? []), diagnostic]);
    }
  }
  notebook.content.widgets.forEach((cell, index) => {
    const found = flagged.get(index);
    cell.toggleClass(FLAGGED_CLASS, found !== undefined);
    if (found) {
      cell.node.dataset.dsqCodes = [...new Set(found.map(d => d.code))].join(' ');
    } else {
      delete cell.node.dataset.dsqCodes;
    }
  });
}

class LintButton implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  constructor(private readonly app: JupyterFrontEnd) {}

  createNew(panel: NotebookPanel): IDisposable {
    const button = new ToolbarButton({
      icon: dsqualityIcon,
      className: 'dsq-LintButton',
      tooltip: 'Lint notebook (dsquality)',
      onClick: () => {
        this.app.shell.activateById(panel.id);
        void this.app.commands.execute(LINT_COMMAND);
      }
    });
    panel.toolbar.insertAfter('cellType', 'dsquality-lint', button);
    return button;
  }
}
