import { createPinia } from 'pinia';
import { createApp } from 'vue';
import 'element-plus/theme-chalk/base.css';
import App from './App.vue';
import { i18n } from './i18n/index.js';
import { installAuthGuard, router } from './router.js';
import './styles.css';

const app = createApp(App).use(createPinia()).use(i18n);
// The guard uses the session store, so Pinia comes first.
installAuthGuard(router);
app.use(router).mount('#app');
document.documentElement.lang = i18n.global.locale.value;
