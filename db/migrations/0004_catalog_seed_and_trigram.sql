-- Trigram similarity, for refusing near-duplicate offers of one seller.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- The category tree offers are filed under. Offers go in leaf categories; ids are stable.
INSERT INTO categories (id, parent_id, slug, name, allows_free_price, fixed_package_prices, position) VALUES
  (1, NULL, 'design', 'Design', false, NULL, 1),
  (11, 1, 'logos', 'Logos', false, '{"economy": 1000, "standard": 2500, "business": 5000}', 1),
  (12, 1, 'banners', 'Banners and ads', false, NULL, 2),
  (13, 1, 'web-design', 'Web design', true, NULL, 3),
  (2, NULL, 'development', 'Development and IT', false, NULL, 2),
  (21, 2, 'turnkey-site', 'Turnkey site', true, NULL, 1),
  (22, 2, 'bug-fixes', 'Bug fixes', false, NULL, 2),
  (23, 2, 'scripts-bots', 'Scripts and bots', true, NULL, 3),
  (3, NULL, 'writing', 'Writing and translation', false, NULL, 3),
  (31, 3, 'copywriting', 'Copywriting', false, NULL, 1),
  (32, 3, 'translation', 'Translation', false, NULL, 2),
  (4, NULL, 'seo', 'SEO and traffic', false, NULL, 4),
  (41, 4, 'seo-audit', 'SEO audit', false, NULL, 1),
  (42, 4, 'link-building', 'Link building', false, NULL, 2),
  (5, NULL, 'audio-video', 'Audio and video', false, NULL, 5),
  (51, 5, 'video-editing', 'Video editing', false, NULL, 1),
  (52, 5, 'voice-over', 'Voice-over', false, NULL, 2),
  (6, NULL, 'business', 'Business and lifestyle', false, NULL, 6),
  (61, 6, 'virtual-assistant', 'Virtual assistant', false, NULL, 1);
--> statement-breakpoint
INSERT INTO category_attributes (category_id, key, name, allowed_values, multiple, required) VALUES
  (11, 'style', 'Style', ARRAY['minimalist', 'lettering', 'emblem', 'mascot', 'abstract'], true, false),
  (12, 'format', 'Format', ARRAY['web', 'social', 'print'], true, false),
  (13, 'page_type', 'Page type', ARRAY['landing', 'multi_page', 'mobile_app', 'email'], false, true),
  (21, 'service_type', 'Service type', ARRAY['business_card', 'landing', 'online_store', 'corporate', 'blog'], false, true),
  (21, 'cms', 'CMS', ARRAY['wordpress', 'tilda', 'opencart', 'bitrix', 'no_cms'], true, false),
  (21, 'uniqueness', 'Uniqueness', ARRAY['template', 'unique_design'], false, false),
  (22, 'stack', 'Stack', ARRAY['php', 'javascript', 'python', 'wordpress', 'other'], true, true),
  (23, 'platform', 'Platform', ARRAY['telegram', 'discord', 'web', 'desktop'], true, false),
  (31, 'language', 'Language', ARRAY['english', 'spanish', 'german', 'french', 'russian'], false, true),
  (31, 'text_type', 'Text type', ARRAY['article', 'product_description', 'landing_copy', 'press_release'], true, false),
  (32, 'language_pair', 'Language pair', ARRAY['en_es', 'en_de', 'en_fr', 'en_ru', 'es_en', 'de_en', 'fr_en', 'ru_en'], true, true),
  (41, 'engine', 'Search engine', ARRAY['google', 'bing', 'yandex'], true, false),
  (42, 'link_type', 'Link type', ARRAY['guest_post', 'directory', 'forum', 'profile'], true, false),
  (51, 'video_type', 'Video type', ARRAY['youtube', 'reels', 'ad', 'wedding'], true, false),
  (52, 'voice', 'Voice', ARRAY['male', 'female', 'child'], true, true),
  (61, 'task_type', 'Task type', ARRAY['data_entry', 'research', 'scheduling', 'customer_support'], true, false);
