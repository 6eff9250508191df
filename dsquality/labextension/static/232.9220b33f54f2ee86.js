"use strict";(self.rspackChunkdsquality_labextension=self.rspackChunkdsquality_labextension||[]).push([[232],{475(o,e,t){var r=t(601),n=t.n(r),a=t(314),i=(t.n(a))()(n());i.push([o.id,`/* dsquality: diagnostics panel and flagged cells. */
.dsq-DiagnosticsPanel {
  background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1);
  font-size: var(--jp-ui-font-size1);
  overflow-y: auto;
  padding: 8px;
  min-width: 240px;
}

.dsq-DiagnosticsPanel h2 {
  font-size: var(--jp-ui-font-size2);
  margin: 0 0 2px;
  text-transform: uppercase;
}

.dsq-DiagnosticsPanel-notebook {
  color: var(--jp-ui-font-color2);
  word-break: break-all;
}

.dsq-DiagnosticsPanel-status {
  margin: 8px 0;
  color: var(--jp-ui-font-color2);
}

.dsq-DiagnosticsPanel-status.dsq-mod-error {
  color: var(--jp-error-color1);
}

.dsq-DiagnosticsPanel-status.dsq-mod-clean {
  color: var(--jp-success-color1);
}

.dsq-DiagnosticsPanel-group h3 {
  font-size: var(--jp-ui-font-size1);
  margin: 10px 0 4px;
  border-bottom: 1px solid var(--jp-border-color2);
}

.dsq-DiagnosticsPanel-group ul {
  list-style: none;
  margin: 0;
  padding: 0;
}

.dsq-Diagnostic {
  padding: 4px 6px;
  border-left: 3px solid var(--jp-warn-color1);
  margin-bottom: 4px;
}

.dsq-Diagnostic.dsq-mod-error {
  border-left-color: var(--jp-error-color1);
}

.dsq-Diagnostic.dsq-mod-info {
  border-left-color: var(--jp-info-color1);
}

.dsq-mod-clickable {
  cursor: pointer;
}

.dsq-Diagnostic.dsq-mod-clickable:hover {
  background: var(--jp-layout-color2);
}

.dsq-Diagnostic-code {
  font-family: var(--jp-code-font-family);
  font-weight: bold;
  margin-right: 6px;
}

.dsq-Diagnostic-name {
  margin-right: 6px;
}

.dsq-Diagnostic-where {
  color: var(--jp-ui-font-color2);
}

.dsq-Diagnostic-message {
  color: var(--jp-ui-font-color1);
  margin-top: 2px;
}

/* A cell with findings: a warning bar on the left of the cell. */
.jp-Cell.dsq-mod-flagged {
  box-shadow: inset 4px 0 0 var(--jp-warn-color1);
}


.jp-Cell.dsq-mod-flagged::before {
  content: attr(data-dsq-codes);
  position: absolute;
  right: 8px;
  top: 2px;
  z-index: 10;
  font-size: var(--jp-ui-font-size0);
  font-family: var(--jp-code-font-family);
  color: var(--jp-warn-color1);
}
`,""]),t.d(e,{},{A:i})},314(o){o.exports=function(o){var e=[];return e.toString=function(){return this.map(function(e){var t="",r=void 0!==e[5];return e[4]&&(t+="@supports (".concat(e[4],") {")),e[2]&&(t+="@media ".concat(e[2]," {")),r&&(t+="@layer".concat(e[5].length>0?" ".concat(e[5]):""," {")),t+=o(e),r&&(t+="}"),e[2]&&(t+="}"),e[4]&&(t+="}"),t}).join("")},e.i=function(o,t,r,n,a){"string"==typeof o&&(o=[[null,o,void 0]]);var i={};if(r)for(var s=0;s<this.length;s++){var c=this[s][0];null!=c&&(i[c]=!0)}for(var l=0;l<o.length;l++){var d=[].concat(o[l]);r&&i[d[0]]||(void 0!==a&&(void 0===d[5]||(d[1]="@layer".concat(d[5].length>0?" ".concat(d[5]):""," {").concat(d[1],"}")),d[5]=a),t&&(d[2]&&(d[1]="@media ".concat(d[2]," {").concat(d[1],"}")),d[2]=t),n&&(d[4]?(d[1]="@supports (".concat(d[4],") {").concat(d[1],"}"),d[4]=n):d[4]="".concat(n)),e.push(d))}},e}},601(o){o.exports=function(o){return o[1]}},72(o){var e=[];function t(o){for(var t=-1,r=0;r<e.length;r++)if(e[r].identifier===o){t=r;break}return t}function r(o,r){for(var n={},a=[],i=0;i<o.length;i++){var s=o[i],c=r.base?s[0]+r.base:s[0],l=n[c]||0,d="".concat(c," ").concat(l);n[c]=l+1;var p=t(d),u={css:s[1],media:s[2],sourceMap:s[3],supports:s[4],layer:s[5]};if(-1!==p)e[p].references++,e[p].updater(u);else{var f=function(o,e){var t=e.domAPI(e);return t.update(o),function(e){e?(e.css!==o.css||e.media!==o.media||e.sourceMap!==o.sourceMap||e.supports!==o.supports||e.layer!==o.layer)&&t.update(o=e):t.remove()}}(u,r);r.byIndex=i,e.splice(i,0,{identifier:d,updater:f,references:1})}a.push(d)}return a}o.exports=function(o,n){var a=r(o=o||[],n=n||{});return function(o){o=o||[];for(var i=0;i<a.length;i++){var s=t(a[i]);e[s].references--}for(var c=r(o,n),l=0;l<a.length;l++){var d=t(a[l]);0===e[d].references&&(e[d].updater(),e.splice(d,1))}a=c}}},659(o){var e={};o.exports=function(o,t){var r=function(o){if(void 0===e[o]){var t=document.querySelector(o);if(window.HTMLIFrameElement&&t instanceof window.HTMLIFrameElement)try{t=t.contentDocument.head}catch(o){t=null}e[o]=t}return e[o]}(o);if(!r)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");r.appendChild(t)}},540(o){o.exports=function(o){var e=document.createElement("style");return o.setAttributes(e,o.attributes),o.insert(e,o.options),e}},56(o,e,t){o.exports=function(o){var e=t.nc;e&&o.setAttribute("nonce",e)}},206(o){o.exports=function(o){if("u"<typeof document)return{update:function(){},remove:function(){}};var e=o.insertStyleElement(o);return{update:function(t){var r,n,a;r="",t.supports&&(r+="@supports (".concat(t.supports,") {")),t.media&&(r+="@media ".concat(t.media," {")),(n=void 0!==t.layer)&&(r+="@layer".concat(t.layer.length>0?" ".concat(t.layer):""," {")),r+=t.css,n&&(r+="}"),t.media&&(r+="}"),t.supports&&(r+="}"),(a=t.sourceMap)&&"u">typeof btoa&&(r+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(a))))," */")),o.styleTagTransform(r,e,o.options)},remove:function(){var o;null===(o=e).parentNode||o.parentNode.removeChild(o)}}}},113(o){o.exports=function(o,e){if(e.styleSheet)e.styleSheet.cssText=o;else{for(;e.firstChild;)e.removeChild(e.firstChild);e.appendChild(document.createTextNode(o))}}},579(o,e,t){var r=t(72),n=t.n(r),a=t(206),i=t.n(a),s=t(659),c=t.n(s),l=t(56),d=t.n(l),p=t(540),u=t.n(p),f=t(113),v=t.n(f),g=t(475),m={};m.styleTagTransform=v(),m.setAttributes=d(),m.insert=c().bind(null,"head"),m.domAPI=i(),m.insertStyleElement=u(),n()(g.A,m),g.A&&g.A.locals&&g.A.locals}}]);