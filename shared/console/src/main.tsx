import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  // The page's own "Loading" line gives way to the console.
  root.replaceChildren();
  render(<App />, root);
}
