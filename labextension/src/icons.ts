/** dsquality's icon: a checklist (the debugger already uses the bug icon). */
import { LabIcon } from '@jupyterlab/ui-components';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 5.5l1.4-1.4L6 5.7l3.1-3.1 1.4 1.4L6 8.5z"/>
    <path d="M3 13.5l1.4-1.4L6 13.7l3.1-3.1 1.4 1.4L6 16.5z"/>
    <rect x="12" y="4" width="9" height="2.2" rx="1"/>
    <rect x="12" y="12" width="9" height="2.2" rx="1"/>
    <rect x="3" y="19" width="18" height="2.2" rx="1"/>
  </g>
</svg>`;

export const dsqualityIcon = new LabIcon({ name: 'dsquality:lint', svgstr: svg });
