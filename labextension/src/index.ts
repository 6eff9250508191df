/**
 * dsquality in JupyterLab: notebook templates in the launcher, File › New and the palette; the
 * "Lint notebook" command with a diagnostics panel and flagged cells.
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { activateLint } from './lint';
import { activateTemplates } from './templates';

const templates: JupyterFrontEndPlugin<void> = {
  id: 'dsquality-labextension:templates',
  description: 'dsquality notebook templates in the launcher, File › New and the command palette.',
  autoStart: true,
  optional: [ILauncher, IMainMenu, ICommandPalette, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    mainMenu: IMainMenu | null,
    palette: ICommandPalette | null,
    browser: IDefaultFileBrowser | null
  ) => {
    void activateTemplates(app, launcher, mainMenu, palette, browser);
  }
};

const LINT_ID = 'dsquality-labextension:plugin';

const lint: JupyterFrontEndPlugin<void> = {
  id: LINT_ID,
  description: 'dsquality lint: command, toolbar button, diagnostics panel, flagged cells, lint on save.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    labShell: ILabShell | null
  ) => {
    activateLint(app, tracker, palette, settingRegistry, labShell, LINT_ID);
  }
};

export default [templates, lint];
