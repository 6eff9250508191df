/**
 * Notebook templates: a "dsquality" launcher section, File › New entries and palette commands.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { notebookIcon } from '@jupyterlab/ui-components';

import { ApiError, createFromTemplate, ITemplate, listTemplates } from './api';

export const CATEGORY = 'dsquality';
export const NEW_COMMAND = 'dsquality:new-from-template';

/** How many `name-N.ipynb` alternatives are tried when `name.ipynb` exists. */
const MAX_ATTEMPTS = 100;

/** Create a notebook from `template` in `folder` under a free name; resolves to its path. */
export async function createNotebook(template: ITemplate, folder: string): Promise<string> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const file = attempt === 0 ? `${template.name}.ipynb` : `${template.name}-${attempt}.ipynb`;
    try {
      return await createFromTemplate(template.name, folder ? PathExt.join(folder, file) : file);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) {
        throw error;
      }
    }
  }
  throw new Error(`no free file name for template ${template.name} in ${folder || 'the root'}`);
}

export async function activateTemplates(
  app: JupyterFrontEnd,
  launcher: ILauncher | null,
  mainMenu: IMainMenu | null,
  palette: ICommandPalette | null,
  browser: IDefaultFileBrowser | null
): Promise<void> {
  const byName = new Map<string, ITemplate>();

  app.commands.addCommand(NEW_COMMAND, {
    label: args => {
      const template = byName.get(args.name as string);
      if (!template) {
        return 'New notebook from a dsquality template';
      }
      return args.isLauncher || args.isPalette ? template.title : `${template.title} (dsquality)`;
    },
    caption: args => byName.get(args.name as string)?.description ?? '',
    icon: args => (args.isPalette ? undefined : notebookIcon),
    execute: async args => {
      const template = byName.get(args.name as string);
      if (!template) {
        return;
      }
      const folder = (args.cwd as string) ?? browser?.model.path ?? '';
      try {
        const path = await createNotebook(template, folder);
        return app.commands.execute('docmanager:open', { path, factory: 'Notebook' });
      } catch (error) {
        void showErrorMessage('dsquality: cannot create the notebook', String((error as Error).message ?? error));
      }
    }
  });

  let templates: ITemplate[];
  try {
    templates = await listTemplates();
  } catch (error) {
    console.error('dsquality: cannot list the notebook templates (is the server extension enabled?)', error);
    return;
  }
  templates.forEach((template, rank) => {
    byName.set(template.name, template);
    const args = { name: template.name };
    launcher?.add({
      command: NEW_COMMAND,
      args: { ...args, isLauncher: true },
      category: CATEGORY,
      rank
    });
    mainMenu?.fileMenu.newMenu.addItem({ command: NEW_COMMAND, args, rank: 30 + rank });
    palette?.addItem({ command: NEW_COMMAND, args: { ...args, isPalette: true }, category: CATEGORY, rank });
  });
}
