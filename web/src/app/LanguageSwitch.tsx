import { Button } from 'antd';
import { GlobalOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useLang } from './useLang.ts';

/** One button that flips between 中文 and English; it names the language you would switch to. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const { lang, setLang } = useLang();
  return (
    <Button
      data-testid="lang-switch"
      type="text"
      icon={<GlobalOutlined />}
      title={t('app.switchLanguage')}
      onClick={() => void setLang(lang === 'zh' ? 'en' : 'zh')}
    >
      {t('app.otherLanguageName')}
    </Button>
  );
}
